# gpbo_add_module(): one gpbo module = an OBJECT library (gpbo_<name>_obj, which tests may link
# to reach hidden internals) and the shared library gpbo::<name> built from it, with install
# rules for its headers and a pkg-config file.
#
#   gpbo_add_module(gp
#     SOURCES gp.c kernel.c ...          # relative to the module folder
#     HEADERS gp.h sys/kernel.h          # relative to include/gpbo
#     DEPS base                          # other gpbo modules (public)
#     LIBS gpbo_dep::lapacke m           # third-party libraries (private)
#     PC_LIBS_PRIVATE "-llapacke -lm"    # -l flags for static linking only (Libs.private)
#     DESCRIPTION "...")
include(CMakePackageConfigHelpers)

function(gpbo_add_module name)
  cmake_parse_arguments(M "" "DESCRIPTION;PC_LIBS_PRIVATE" "SOURCES;HEADERS;DEPS;LIBS" ${ARGN})
  set(obj gpbo_${name}_obj)
  set(lib gpbo_${name})

  add_library(${obj} OBJECT ${M_SOURCES})
  target_include_directories(${obj} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_definitions(${obj} PRIVATE GPBO_BUILDING)
  set(public_deps)
  foreach(dep IN LISTS M_DEPS)
    list(APPEND public_deps gpbo_${dep})
  endforeach()
  target_link_libraries(${obj} PUBLIC ${public_deps} PRIVATE ${M_LIBS})

  add_library(${lib} SHARED $<TARGET_OBJECTS:${obj}>)
  add_library(gpbo::${name} ALIAS ${lib})
  target_include_directories(${lib} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${lib} PUBLIC ${public_deps} PRIVATE ${M_LIBS})
  # The soname (docs/abi.md): while gpbo is 0.x any MINOR release may break the ABI, so it
  # carries 0.MINOR (libgpbo_gp.so.0.1); PATCH releases keep it and may only add. From 1.0 on,
  # MAJOR alone.
  if(PROJECT_VERSION_MAJOR EQUAL 0)
    set(soversion 0.${PROJECT_VERSION_MINOR})
  else()
    set(soversion ${PROJECT_VERSION_MAJOR})
  endif()
  # INSTALL_RPATH $ORIGIN: an installed library finds the gpbo libraries it needs beside it, in
  # any prefix. A program's own RUNPATH serves only its direct needs, so without it a program
  # linking gpbo::search alone from /opt/gpbo could not load libgpbo_acquisition.
  set_target_properties(${lib} PROPERTIES
    EXPORT_NAME ${name}
    OUTPUT_NAME gpbo_${name}
    VERSION ${PROJECT_VERSION}
    SOVERSION ${soversion}
    INSTALL_RPATH "$ORIGIN"
    LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib)
  install(TARGETS ${lib} EXPORT gpboTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  foreach(header IN LISTS M_HEADERS)
    get_filename_component(subdir ${header} DIRECTORY)
    install(FILES ${PROJECT_SOURCE_DIR}/include/gpbo/${header}
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/gpbo/${subdir})
  endforeach()

  # pkg-config: gpbo-<name>.pc
  file(RELATIVE_PATH GPBO_PC_RELPREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
  set(GPBO_PC_NAME gpbo-${name})
  set(GPBO_PC_LIB gpbo_${name})
  set(GPBO_PC_DESCRIPTION "${M_DESCRIPTION}")
  set(GPBO_PC_REQUIRES "")
  foreach(dep IN LISTS M_DEPS)
    string(APPEND GPBO_PC_REQUIRES " gpbo-${dep}")
  endforeach()
  # The third-party libraries are private to the shared library: a program linking gpbo-gp
  # needs neither their headers (no public header includes them) nor their .pc files, which
  # some systems lack (lapacke) and whose Cflags leak -I.../openblas-pthread/. So they go in
  # Libs.private as plain -l flags, not Requires.private, which pkg-config resolves (and
  # fails on) even for --cflags and shared --libs.
  set(GPBO_PC_LIBS_PRIVATE "${M_PC_LIBS_PRIVATE}")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/gpbo-module.pc.in
                 ${PROJECT_BINARY_DIR}/pkgconfig/gpbo-${name}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/gpbo-${name}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

  set_property(GLOBAL APPEND PROPERTY GPBO_MODULES ${name})
endfunction()

# The exported CMake package (find_package(gpbo COMPONENTS gp)) and the umbrella gpbo.pc.
function(gpbo_install_package)
  set(cmakedir ${CMAKE_INSTALL_LIBDIR}/cmake/gpbo)
  get_property(modules GLOBAL PROPERTY GPBO_MODULES)
  set(GPBO_COMPONENTS "${modules}")
  install(EXPORT gpboTargets NAMESPACE gpbo:: DESTINATION ${cmakedir})
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/gpboConfig.cmake.in
    ${PROJECT_BINARY_DIR}/gpboConfig.cmake INSTALL_DESTINATION ${cmakedir})
  write_basic_package_version_file(${PROJECT_BINARY_DIR}/gpboConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
  install(FILES ${PROJECT_BINARY_DIR}/gpboConfig.cmake
                ${PROJECT_BINARY_DIR}/gpboConfigVersion.cmake DESTINATION ${cmakedir})

  file(RELATIVE_PATH GPBO_PC_RELPREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
  set(GPBO_PC_REQUIRES "")
  foreach(m IN LISTS modules)
    string(APPEND GPBO_PC_REQUIRES " gpbo-${m}")
  endforeach()
  configure_file(${PROJECT_SOURCE_DIR}/cmake/gpbo.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/gpbo.pc
                 @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/gpbo.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()
