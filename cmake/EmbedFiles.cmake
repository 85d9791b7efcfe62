# shufflec_embed_files(OUTPUT file.cpp NAMESPACE ns FILES a.c b.h ...)
# Turns fixed C text under runtime/ into a C++ source with one std::string_view per file, so the generated C's
# prologue lives in real .c/.h files that editors and compilers can check, not in C++ string literals.
function(shufflec_embed_files)
  cmake_parse_arguments(EMBED "" "OUTPUT;NAMESPACE" "FILES" ${ARGN})
  add_custom_command(
    OUTPUT ${EMBED_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${EMBED_OUTPUT} -DNAMESPACE=${EMBED_NAMESPACE}
            "-DFILES=${EMBED_FILES}" -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFilesScript.cmake
    DEPENDS ${EMBED_FILES} ${PROJECT_SOURCE_DIR}/cmake/EmbedFilesScript.cmake
    COMMENT "Embedding ${EMBED_NAMESPACE} files"
    VERBATIM)
endfunction()
