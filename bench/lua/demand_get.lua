-- demand.get of a random published demand, anonymous (the public read path).
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local data = common.load_data()
local ids = data.demand_ids
local count = #ids

wrk.method = "POST"
wrk.path = "/rpc"
wrk.headers["Content-Type"] = "application/json"

-- Every request formatted once per thread, not per call: the load generator shares the cores
-- with the server and the database, and building the request text in Lua each time cost it
-- CPU that the server's side then lacked.
local requests = {}

function init(args)
    math.randomseed(os.time() + (thread_index or 0) * 7919)
    for i = 1, count do
        requests[i] = wrk.format(nil, nil, nil,
            '{"jsonrpc":"2.0","id":1,"method":"demand.get","params":{"demandId":"' .. ids[i] .. '"}}')
    end
end

function request()
    generated = generated + 1
    return requests[math.random(count)]
end
