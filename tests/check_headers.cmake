# Compiles each public header alone: a translation unit that includes only that header, in
# strict C17 with -pedantic -Werror. Run as: cmake -DCC=... -DINCLUDE=... -DWORK=... -P this
file(GLOB_RECURSE headers RELATIVE ${INCLUDE} ${INCLUDE}/gpbo/*.h)
file(MAKE_DIRECTORY ${WORK})
set(failed 0)
foreach(h IN LISTS headers)
  string(MAKE_C_IDENTIFIER ${h} stem)
  set(src ${WORK}/${stem}.c)
  file(WRITE ${src} "#include \"${h}\"\n#include \"${h}\"\nint gpbo_header_check_${stem};\n")
  execute_process(COMMAND ${CC} -std=c17 -pedantic -Wall -Wextra -Werror -fsyntax-only
                          -I${INCLUDE} ${src}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message("FAIL ${h}:\n${out}")
    set(failed 1)
  else()
    message("ok   ${h}")
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "some public headers do not compile alone")
endif()
