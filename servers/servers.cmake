# servers/: echod (every classic model over one sans-I/O echo core),
# udp-echod and echo-client. The echo core is a library of its own so the
# tests and the fuzz target (fuzz/server_echo) link the very same code.
add_library(echo_core STATIC ${CMAKE_CURRENT_LIST_DIR}/echo_core.c)
target_include_directories(echo_core PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(echo_core PUBLIC framing)

add_library(servers_net STATIC ${CMAKE_CURRENT_LIST_DIR}/net.c)
target_include_directories(servers_net PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(servers_net PUBLIC framing)

add_executable(echod
  ${CMAKE_CURRENT_LIST_DIR}/echod.c
  ${CMAKE_CURRENT_LIST_DIR}/srv.c
  ${CMAKE_CURRENT_LIST_DIR}/mux.c
  ${CMAKE_CURRENT_LIST_DIR}/model_iterative.c
  ${CMAKE_CURRENT_LIST_DIR}/model_fork.c
  ${CMAKE_CURRENT_LIST_DIR}/model_thread.c
  ${CMAKE_CURRENT_LIST_DIR}/model_select.c
  ${CMAKE_CURRENT_LIST_DIR}/model_poll.c
  ${CMAKE_CURRENT_LIST_DIR}/model_epoll.c
  ${CMAKE_CURRENT_LIST_DIR}/model_naive.c)
target_link_libraries(echod PRIVATE echo_core servers_net Threads::Threads)

add_executable(udp-echod ${CMAKE_CURRENT_LIST_DIR}/udp_echod.c)
target_link_libraries(udp-echod PRIVATE servers_net)

add_executable(echo-client ${CMAKE_CURRENT_LIST_DIR}/echo_client.c)
target_link_libraries(echo-client PRIVATE servers_net)

# pop3d's sans-I/O protocol core (RFC 1939 state machine), and the
# in-memory mailbox the core's tests and the pop3_session fuzz target use.
add_library(pop3_core STATIC ${CMAKE_CURRENT_LIST_DIR}/pop3_core.c
  ${CMAKE_CURRENT_LIST_DIR}/pop3_cmds.c ${CMAKE_CURRENT_LIST_DIR}/pop3_xfer.c)
target_include_directories(pop3_core PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(pop3_core PUBLIC framing)
add_library(pop3_mem STATIC ${CMAKE_CURRENT_LIST_DIR}/pop3_mem.c)
target_link_libraries(pop3_mem PUBLIC pop3_core)

# pop3d: the epoll loop around the core, over a directory of mailboxes.
add_executable(pop3d
  ${CMAKE_CURRENT_LIST_DIR}/pop3d.c
  ${CMAKE_CURRENT_LIST_DIR}/pop3_loop.c
  ${CMAKE_CURRENT_LIST_DIR}/pop3_maildir.c)
target_link_libraries(pop3d PRIVATE pop3_core servers_net)
