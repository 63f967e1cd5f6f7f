# The version header: project(VERSION) is fraglab's one version; programs
# link fraglab_version and #include "fraglab/version.h" (FRAGLAB_VERSION).
configure_file(${CMAKE_CURRENT_LIST_DIR}/version.h.in
  ${CMAKE_BINARY_DIR}/generated/fraglab/version.h @ONLY)
add_library(fraglab_version INTERFACE)
target_include_directories(fraglab_version INTERFACE
  $<BUILD_INTERFACE:${CMAKE_BINARY_DIR}/generated>)
