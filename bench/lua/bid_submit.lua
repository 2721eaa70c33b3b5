-- bid.submit, each request a fresh (agency, demand) pair so every one is a successful write
-- transaction. Pair k (k = offset + thread_index + n * threads) maps to demand k mod D and
-- agency (k div D) mod A, so consecutive requests hit different demands (and audit chains).
-- bench/run.sh passes the offset after `--` and advances it after each run using
-- max_generated_per_thread, so no pair is used twice across runs (pgbench uses the same counter).
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local data = common.load_data()
local demands = data.bid_demand_ids
local tokens = data.agency_tokens
local D, A = #demands, #tokens
local offset, threads_total = 0, 1

wrk.method = "POST"
wrk.path = "/rpc"

function init(args)
    offset = tonumber(args[1] or "0")
    threads_total = tonumber(args[2] or "1")
end

function request()
    local k = offset + (thread_index or 0) + generated * threads_total
    generated = generated + 1
    local demand = demands[(k % D) + 1]
    local agency = math.floor(k / D) % A
    local price = 500000 + (k % 400000)
    return wrk.format(nil, nil, {
        ["Content-Type"] = "application/json",
        ["Authorization"] = "Bearer " .. tokens[agency + 1],
    }, '{"jsonrpc":"2.0","id":1,"method":"bid.submit","params":{"demandId":"' .. demand ..
        '","priceFen":' .. price .. ',"proposal":"benchmark bid ' .. k .. '"}}')
end
