-- demand.get of a random published demand, anonymous (the public read path).
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local data = common.load_data()
local ids = data.demand_ids
local count = #ids

wrk.method = "POST"
wrk.path = "/rpc"
wrk.headers["Content-Type"] = "application/json"

function init(args)
    math.randomseed(os.time() + (thread_index or 0) * 7919)
end

function request()
    generated = generated + 1
    local id = ids[math.random(count)]
    return wrk.format(nil, nil, nil,
        '{"jsonrpc":"2.0","id":1,"method":"demand.get","params":{"demandId":"' .. id .. '"}}')
end
