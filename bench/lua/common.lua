-- Shared wrk hooks: every workload script loads this with dofile(). It counts JSON-RPC error
-- responses (HTTP 200 with an "error" member count as failures, not as throughput), tracks how
-- many requests each thread generated (so bid.submit runs can hand the next run a fresh offset),
-- and prints one JSON line (prefixed BENCH_JSON) with throughput and latency percentiles.
local common = {}

local threads = {}
local thread_count = 0

function setup(thread)
    thread:set("thread_index", thread_count)
    thread_count = thread_count + 1
    table.insert(threads, thread)
end

rpc_errors = 0
first_error = nil
generated = 0

function response(status, headers, body)
    if status ~= 200 or (body and string.find(body, '"error"', 1, true)) then
        rpc_errors = rpc_errors + 1
        if first_error == nil then
            first_error = tostring(status) .. " " .. string.sub(body or "", 1, 300)
        end
    end
end

local function json_string(s)
    s = string.gsub(s, '[%c"\\]', function(c)
        return string.format("\\u%04x", string.byte(c))
    end)
    return '"' .. s .. '"'
end

function done(summary, latency, requests)
    local errors, max_generated, example = 0, 0, nil
    for _, t in ipairs(threads) do
        errors = errors + (t:get("rpc_errors") or 0)
        local g = t:get("generated") or 0
        if g > max_generated then max_generated = g end
        example = example or t:get("first_error")
    end
    local e = summary.errors
    local seconds = summary.duration / 1e6
    local ok = summary.requests - errors - e.status
    local out = {
        '"requests":' .. summary.requests,
        '"seconds":' .. string.format("%.3f", seconds),
        '"rps":' .. string.format("%.1f", summary.requests / seconds),
        '"ok_rps":' .. string.format("%.1f", math.max(ok, 0) / seconds),
        '"rpc_errors":' .. errors,
        '"socket_errors":' .. (e.connect + e.read + e.write + e.timeout),
        '"http_errors":' .. e.status,
        '"p50_ms":' .. string.format("%.3f", latency:percentile(50) / 1000),
        '"p99_ms":' .. string.format("%.3f", latency:percentile(99) / 1000),
        '"mean_ms":' .. string.format("%.3f", latency.mean / 1000),
        '"max_ms":' .. string.format("%.3f", latency.max / 1000),
        '"threads":' .. thread_count,
        '"max_generated_per_thread":' .. max_generated,
    }
    if example then table.insert(out, '"first_error":' .. json_string(example)) end
    io.write("BENCH_JSON {" .. table.concat(out, ",") .. "}\n")
end

-- Loads bench data written by setup.py (a Lua file returning a table).
function common.load_data()
    local path = os.getenv("BENCH_DATA_LUA")
    if not path then error("BENCH_DATA_LUA is not set") end
    return dofile(path)
end

return common
