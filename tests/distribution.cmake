# SPDX-License-Identifier: MIT
# How users consume ward, each exercised the way they do it (label "consumer"), and the single
# header kept in sync with include/.

find_package(Python3 COMPONENTS Interpreter)
set(_ward_work ${CMAKE_CURRENT_BINARY_DIR}/consumers)

# The generated single header must match include/ exactly.
if(Python3_FOUND)
  add_test(NAME single_header_in_sync COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/amalgamate.py --check)
  set_tests_properties(single_header_in_sync PROPERTIES LABELS "consumer;single-header")
endif()

# Each public header compiles on its own: one generated translation unit per header.
file(GLOB _ward_public_headers RELATIVE ${PROJECT_SOURCE_DIR}/include CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/ward/*.hpp)
set(_tus)
foreach(_h ${_ward_public_headers})
  string(MAKE_C_IDENTIFIER ${_h} _id)
  set(_tu ${CMAKE_CURRENT_BINARY_DIR}/headers/${_id}.cpp)
  file(WRITE ${_tu}.in "#include <${_h}>\n#include <${_h}> // twice: the include guard works\nint ${_id}_compiles() { return 0; }\n")
  configure_file(${_tu}.in ${_tu} COPYONLY)
  list(APPEND _tus ${_tu})
endforeach()
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/headers/main.cpp.in "int main() { return 0; }\n")
configure_file(${CMAKE_CURRENT_BINARY_DIR}/headers/main.cpp.in ${CMAKE_CURRENT_BINARY_DIR}/headers/main.cpp COPYONLY)
add_executable(ward_headers_self_contained ${_tus} ${CMAKE_CURRENT_BINARY_DIR}/headers/main.cpp)
ward_apply_variant(ward_headers_self_contained cxx17)
add_test(NAME headers_self_contained COMMAND ward_headers_self_contained)
set_tests_properties(headers_self_contained PROPERTIES LABELS consumer)

# Two translation units linked together.
add_executable(ward_odr odr/odr_a.cpp odr/odr_b.cpp)
ward_apply_variant(ward_odr cxx17)
add_test(NAME odr_two_translation_units COMMAND ward_odr)
set_tests_properties(odr_two_translation_units PROPERTIES LABELS consumer)

# Consumer projects.
function(ward_consumer_test mode)
  add_test(NAME consumer_${mode} COMMAND ${CMAKE_COMMAND}
    -DMODE=${mode} -DSOURCE=${PROJECT_SOURCE_DIR} -DBINARY=${PROJECT_BINARY_DIR} -DWORK=${_ward_work}/${mode}
    -DCXX=${ARGV1} -DGENERATOR=${CMAKE_GENERATOR} -P ${CMAKE_CURRENT_SOURCE_DIR}/consumer/run_consumer.cmake)
  set_tests_properties(consumer_${mode} PROPERTIES LABELS consumer)
endfunction()
if(WARD_INSTALL)
  ward_consumer_test(build_tree ${CMAKE_CXX_COMPILER})
endif()
ward_consumer_test(install ${CMAKE_CXX_COMPILER})
ward_consumer_test(add_subdirectory ${CMAKE_CXX_COMPILER})
ward_consumer_test(fetchcontent ${CMAKE_CXX_COMPILER})
find_program(WARD_PKG_CONFIG pkg-config)
if(WARD_PKG_CONFIG)
  ward_consumer_test(pkg_config ${CMAKE_CXX_COMPILER})
endif()
find_program(WARD_MESON meson)
if(WARD_MESON)
  ward_consumer_test(meson_subproject ${CMAKE_CXX_COMPILER})
endif()
# The single header with nothing but -std=c++17 -I<dir>, with g++ and with clang++.
foreach(_cxx g++ clang++)
  find_program(_ward_${_cxx}_path ${_cxx})
  if(_ward_${_cxx}_path)
    string(MAKE_C_IDENTIFIER ${_cxx} _cid)
    add_test(NAME consumer_drop_in_${_cid} COMMAND ${CMAKE_COMMAND}
      -DMODE=drop_in -DSOURCE=${PROJECT_SOURCE_DIR} -DWORK=${_ward_work}/drop_in_${_cid}
      -DCXX=${_ward_${_cxx}_path} -P ${CMAKE_CURRENT_SOURCE_DIR}/consumer/run_consumer.cmake)
    set_tests_properties(consumer_drop_in_${_cid} PROPERTIES LABELS "consumer;single-header")
  endif()
endforeach()
