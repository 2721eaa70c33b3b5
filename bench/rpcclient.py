"""A minimal JSON-RPC 2.0 client over TLS for the benchmark scripts (standard library only)."""
import http.client
import json
import ssl


class RPCError(Exception):
    def __init__(self, method, error):
        super().__init__(f"{method}: {json.dumps(error, ensure_ascii=False)}")
        self.error = error


class Client:
    """One keep-alive HTTPS connection to 127.0.0.1, verifying the server against the dev CA."""

    def __init__(self, port, ca_file, token=None):
        self.context = ssl.create_default_context(cafile=ca_file)
        self.port = port
        self.token = token
        self.connection = None
        self.next_id = 0

    def _post(self, payload, token):
        headers = {"Content-Type": "application/json"}
        token = token if token is not None else self.token
        if token:
            headers["Authorization"] = "Bearer " + token
        body = json.dumps(payload).encode()
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=120)
            try:
                self.connection.request("POST", "/rpc", body, headers)
                response = self.connection.getresponse()
                data = response.read()
                return response.status, data
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def raw(self, method, params=None, token=None):
        """The response body bytes of one call (for the nginx baseline's static body)."""
        self.next_id += 1
        payload = {"jsonrpc": "2.0", "id": 1, "method": method}
        if params is not None:
            payload["params"] = params
        return self._post(payload, token)[1]

    def call(self, method, params=None, token=None):
        self.next_id += 1
        payload = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            payload["params"] = params
        status, data = self._post(payload, token)
        reply = json.loads(data)
        if "error" in reply:
            raise RPCError(method, reply["error"])
        return reply["result"]

    def batch(self, method, params_list, token=None):
        """Calls `method` once per params in one HTTP request; returns results in order."""
        if not params_list:
            return []
        payload = []
        for params in params_list:
            self.next_id += 1
            payload.append({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        status, data = self._post(payload, token)
        replies = json.loads(data)
        if not isinstance(replies, list):
            raise RPCError(method, replies.get("error", replies))
        by_id = {r.get("id"): r for r in replies}
        results = []
        for request in payload:
            reply = by_id.get(request["id"])
            if reply is None or "error" in reply:
                raise RPCError(method, (reply or {}).get("error", "no reply"))
            results.append(reply["result"])
        return results
