# What `cmake --install` puts where, the CMake package (find_package(fraglab
# CONFIG): fraglab::framing, fraglab::framing_static, fraglab::proxy,
# fraglab::criterion, fraglab::splitfuzz, fraglab::splitfuzz_replay,
# fraglab::splitfuzz_afl), the pkg-config files and the .deb (cpack -G DEB).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Programs, by target name. fragshim/libfragshim come from the optional
# shim/ folder, merged separately: installed only when that target exists.
install(TARGETS framecat echod udp-echod echo-client fragproxy fragtest pop3d
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
set(FRAGLAB_MAN1 framecat echod udp-echod echo-client fragproxy fragtest
  pop3d)
if(TARGET fragshim)
  install(TARGETS fragshim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  list(APPEND FRAGLAB_MAN1 fragshim)
endif()
if(TARGET fragshim_preload)
  # libfragshim.so: preloaded, never linked; no SONAME link needed.
  install(TARGETS fragshim_preload LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()

# Libraries: libframing (shared with a SONAME, and static), libfragproxy
# (shared; it carries the common/ helpers it needs), the Criterion helper.
set_target_properties(fragproxy_shared PROPERTIES INSTALL_RPATH "$ORIGIN")
install(TARGETS framing_shared framing fragproxy_shared fraglab_criterion
  EXPORT fraglabTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/fraglab
    ${CMAKE_INSTALL_INCLUDEDIR})

# splitfuzz/: the split-stream fuzz harness for users' own parsers, three
# static libraries (the harness; a replay main() for plain builds; an AFL++
# persistent main()) that need nothing else of fraglab. They are also the
# install component `splitfuzz` with their own export set, so an OSS-Fuzz
# build installs only them (cmake --install B --component splitfuzz;
# docs/examples/splitfuzz-cflite/build.sh).
set(FRAGLAB_SFZ_LIBS fraglab_splitfuzz fraglab_splitfuzz_replay
  fraglab_splitfuzz_afl)
set(FRAGLAB_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/fraglab)
foreach(t ${FRAGLAB_SFZ_LIBS})
  string(REPLACE "fraglab_" "" name ${t})
  set_target_properties(${t} PROPERTIES EXPORT_NAME ${name})
endforeach()
install(TARGETS ${FRAGLAB_SFZ_LIBS} EXPORT fraglabSplitfuzzTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT splitfuzz
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT fraglabSplitfuzzTargets NAMESPACE fraglab::
  DESTINATION ${FRAGLAB_CMAKEDIR} COMPONENT splitfuzz)
install(FILES ${PROJECT_SOURCE_DIR}/splitfuzz/include/fraglab/splitfuzz.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/fraglab COMPONENT splitfuzz)
install(FILES ${PROJECT_SOURCE_DIR}/docs/fuzz-your-parser.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
foreach(ex rec hiredis cflite)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/examples/splitfuzz-${ex}
    DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
endforeach()

# Public headers, all under include/fraglab/.
set(FRAGLAB_INCDIR ${CMAKE_INSTALL_INCLUDEDIR}/fraglab)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/framing/include/framing
  DESTINATION ${FRAGLAB_INCDIR} FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_SOURCE_DIR}/harness/proxy/fragproxy.h
  ${PROJECT_SOURCE_DIR}/criterion/include/fraglab/criterion.h
  ${CMAKE_BINARY_DIR}/generated/fraglab/version.h
  DESTINATION ${FRAGLAB_INCDIR})

# Man pages (hand-written roff in docs/man/) and the docs.
foreach(page ${FRAGLAB_MAN1})
  install(FILES ${PROJECT_SOURCE_DIR}/docs/man/${page}.1
    DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/docs/man/fraglab-specs.7
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man7)
install(FILES ${PROJECT_SOURCE_DIR}/README.md
  ${PROJECT_SOURCE_DIR}/docs/design.md ${PROJECT_SOURCE_DIR}/docs/specs.md
  ${PROJECT_SOURCE_DIR}/docs/fragproxy.md ${PROJECT_SOURCE_DIR}/docs/servers.md
  ${PROJECT_SOURCE_DIR}/docs/pop3.md ${PROJECT_SOURCE_DIR}/docs/criterion.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/examples/criterion-user
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# The CMake package: relocatable, found under any prefix.
install(EXPORT fraglabTargets NAMESPACE fraglab::
  DESTINATION ${FRAGLAB_CMAKEDIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/fraglabConfig.cmake.in
  ${CMAKE_BINARY_DIR}/fraglabConfig.cmake
  INSTALL_DESTINATION ${FRAGLAB_CMAKEDIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/fraglabConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
# In component splitfuzz, so a splitfuzz-only install has them too (a full
# install takes every component).
install(FILES ${CMAKE_BINARY_DIR}/fraglabConfig.cmake
  ${CMAKE_BINARY_DIR}/fraglabConfigVersion.cmake
  DESTINATION ${FRAGLAB_CMAKEDIR} COMPONENT splitfuzz)

# pkg-config: prefix is found from the .pc file's own place (pcfiledir),
# so the same files work in a temporary prefix and in /usr.
set(FRAGLAB_PCDIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH FRAGLAB_PC_UP /${FRAGLAB_PCDIR} /)
foreach(pc framing proxy criterion splitfuzz)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/fraglab-${pc}.pc.in
    ${CMAKE_BINARY_DIR}/pkgconfig/fraglab-${pc}.pc @ONLY)
  set(component Unspecified)
  if(pc STREQUAL "splitfuzz")
    set(component splitfuzz)
  endif()
  install(FILES ${CMAKE_BINARY_DIR}/pkgconfig/fraglab-${pc}.pc
    DESTINATION ${FRAGLAB_PCDIR} COMPONENT ${component})
endforeach()

include(${CMAKE_CURRENT_LIST_DIR}/FraglabPackage.cmake)
