# Run by shufflec_add_model() at build time (cmake -P): writes the C flags the generated C needs for TARGET, as
# `shufflec flags` prints them, to OUT, a response file the compiler reads as @OUT. shufflec is the one place that
# knows them (the target descriptions in targets/).
#   cmake -DSHUFFLEC=path/to/shufflec -DTARGET=triple -DOUT=file.cflags -P ShufflecFlags.cmake
execute_process(COMMAND "${SHUFFLEC}" flags --target "${TARGET}" OUTPUT_VARIABLE flags RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "shufflec flags --target ${TARGET} failed (${status})")
endif()
file(WRITE "${OUT}" "${flags}")
