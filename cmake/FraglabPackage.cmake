# The Debian package: `cpack -G DEB` in a build tree gives one fraglab_*.deb
# with the programs, libraries, headers, CMake/pkg-config files, man pages
# and docs under /usr; shared-library dependencies from dpkg-shlibdeps.
set(CPACK_PACKAGE_NAME fraglab)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "fraglab")
set(CPACK_PACKAGE_CONTACT "fraglab maintainers <fraglab@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "test harness and protocol fuzzer for byte-stream framing")
set(CPACK_PACKAGE_DESCRIPTION
  "framecat, fragproxy, fragtest, echo and POP3 servers, libframing, libfragproxy, a Criterion helper for chunk-invariance tests and splitfuzz, a libFuzzer/AFL++ harness that fuzzes your own stream parser under arbitrary splits.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# fraglab_criterion is static and links Criterion by name; pkg-config for
# the .pc files.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libcriterion-dev, pkg-config")
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_STRIP_FILES OFF)
set(CPACK_SOURCE_GENERATOR "")
set(CPACK_GENERATOR DEB)
include(CPack)
