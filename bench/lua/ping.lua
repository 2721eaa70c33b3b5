-- system.ping, anonymous, keep-alive (or Connection: close when BENCH_CLOSE=1, for the
-- handshake workload). The same script drives imarket and the nginx baseline.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

wrk.method = "POST"
wrk.path = "/rpc"
wrk.headers["Content-Type"] = "application/json"
if os.getenv("BENCH_CLOSE") == "1" then
    wrk.headers["Connection"] = "close"
end
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"system.ping"}'
