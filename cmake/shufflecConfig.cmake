# Installed with shufflec: find_package(shufflec) gives the shufflec executable and shufflec_add_model().
get_filename_component(_shufflec_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
find_program(SHUFFLEC_EXECUTABLE shufflec HINTS "${_shufflec_prefix}/bin" REQUIRED)
include("${CMAKE_CURRENT_LIST_DIR}/ShufflecModel.cmake")
