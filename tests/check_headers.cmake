# Compiles each public header alone: a translation unit that includes only that header (twice:
# the include guard), with -pedantic -Werror in C17, the project's own standard, and in C99, the
# oldest a program that includes them may use (docs/abi.md: the _INIT macros are C99's
# designated initializers). Then every header in one translation unit, in both: two headers
# that declare one type (pruner.h and search.h both need gpbo_study) must not declare it twice,
# a C11 feature that C99 compilers refuse (clang warns even without -pedantic).
# Run as: cmake -DCC=... -DINCLUDE=... -DWORK=... -P this
file(GLOB_RECURSE headers RELATIVE ${INCLUDE} ${INCLUDE}/gpbo/*.h)
list(SORT headers)
file(MAKE_DIRECTORY ${WORK})
set(failed 0)
set(all "")
foreach(h IN LISTS headers)
  string(APPEND all "#include \"${h}\"\n")
endforeach()
file(WRITE ${WORK}/all_headers.c "${all}int gpbo_header_check_all;\n")
set(units)
foreach(h IN LISTS headers)
  string(MAKE_C_IDENTIFIER ${h} stem)
  file(WRITE ${WORK}/${stem}.c "#include \"${h}\"\n#include \"${h}\"\nint gpbo_header_check_${stem};\n")
  list(APPEND units ${stem})
endforeach()
list(APPEND units all_headers)
foreach(std c17 c99)
  foreach(stem IN LISTS units)
    execute_process(COMMAND ${CC} -std=${std} -pedantic -Wall -Wextra -Werror -fsyntax-only
                            -I${INCLUDE} ${WORK}/${stem}.c
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
      message("FAIL ${stem} (-std=${std}):\n${out}")
      set(failed 1)
    else()
      message("ok   ${stem} (-std=${std})")
    endif()
  endforeach()
endforeach()
if(failed)
  message(FATAL_ERROR "some public headers do not compile (alone, or all together) in C17 and C99")
endif()
