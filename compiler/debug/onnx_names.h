// ONNX tensor names for `shufflec diff --reference REF.npz`: the ONNX frontend names each IR node after its ONNX
// node, while a reference (e.g. from ONNX Runtime) is keyed by output tensor names.
#pragma once
#include <map>
#include <string>

namespace shufflec {

// For each single-output ONNX node of the model at `path`: its output tensor's name -> the node's name (the
// output's name for an unnamed node), which the frontend gave the IR node computing it. Empty if unreadable (the
// frontend has read the model already and reports errors).
std::map<std::string, std::string> onnx_tensor_producers(const std::string &path);

}  // namespace shufflec
