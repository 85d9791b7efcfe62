# shufflec_add_model(TARGET_NAME MODEL file.json|file.onnx [TARGET triple] [PREFIX name])
#
# Compiles MODEL with shufflec at build time and adds a static library TARGET_NAME holding the generated C; link it
# and include "<PREFIX>.h" (PREFIX defaults to TARGET_NAME). TARGET is any --target shufflec accepts (default c);
# the flags the generated C needs for that target (e.g. -mavx2 -mfma) come from `shufflec flags` at build time and
# reach the compiler as a response file (@file, read by gcc and clang).
#
#   find_package(shufflec REQUIRED)
#   shufflec_add_model(classifier MODEL model.json TARGET aarch64-linux-gnu)
#   target_link_libraries(app PRIVATE classifier)
function(shufflec_add_model target_name)
  cmake_parse_arguments(ARG "" "MODEL;TARGET;PREFIX" "" ${ARGN})
  if(NOT ARG_MODEL)
    message(FATAL_ERROR "shufflec_add_model(${target_name}): MODEL is required")
  endif()
  if(NOT ARG_PREFIX)
    string(MAKE_C_IDENTIFIER "${target_name}" ARG_PREFIX)
  endif()
  if(NOT ARG_TARGET)
    set(ARG_TARGET c)
  endif()
  get_filename_component(model "${ARG_MODEL}" ABSOLUTE)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${target_name}_generated")
  # The weights file sits next to a JSON model: depend on everything beside it that shares its stem.
  get_filename_component(stem "${model}" NAME_WE)
  get_filename_component(dir "${model}" DIRECTORY)
  file(GLOB model_files "${dir}/${stem}.*")
  # SHUFFLEC_EXECUTABLE is the shufflec target in shufflec's own build tree, a path once installed.
  set(shufflec "${SHUFFLEC_EXECUTABLE}")
  if(TARGET ${SHUFFLEC_EXECUTABLE})
    set(shufflec "$<TARGET_FILE:${SHUFFLEC_EXECUTABLE}>")
  endif()
  set(flags_file "${out}/${ARG_PREFIX}.cflags")
  add_custom_command(
    OUTPUT "${out}/${ARG_PREFIX}.c" "${out}/${ARG_PREFIX}.h" "${flags_file}"
    COMMAND "${shufflec}" compile "${model}" -o "${out}" --prefix ${ARG_PREFIX} --target ${ARG_TARGET}
    COMMAND "${CMAKE_COMMAND}" "-DSHUFFLEC=${shufflec}" "-DTARGET=${ARG_TARGET}" "-DOUT=${flags_file}"
            -P "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/ShufflecFlags.cmake"
    DEPENDS ${model_files} ${SHUFFLEC_EXECUTABLE} "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/ShufflecFlags.cmake"
    COMMENT "shufflec: compiling ${ARG_MODEL} for target ${ARG_TARGET}"
    VERBATIM)
  add_library(${target_name} STATIC "${out}/${ARG_PREFIX}.c")
  target_include_directories(${target_name} PUBLIC "${out}")
  set_target_properties(${target_name} PROPERTIES C_STANDARD 99 C_EXTENSIONS OFF)
  target_compile_options(${target_name} PRIVATE "@${flags_file}")
  target_link_libraries(${target_name} PUBLIC m)
endfunction()
