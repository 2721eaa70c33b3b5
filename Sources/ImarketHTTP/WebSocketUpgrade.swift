import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Wires `GET` upgrade requests to the application's `WebSocketResponder`: it decides (async,
/// e.g. after a token lookup), and on success the HTTP handlers leave the pipeline and frames go
/// to a `WebSocketFrameHandler`.
enum WebSocketUpgrade {
    static func configuration(
        responder: any WebSocketResponder,
        connection: NIOLockedValueBox<ConnectionInfo>,
        maxMessageSize: Int,
        executor: (any TaskExecutor)?,
        httpHandlers: NIOLoopBound<[any RemovableChannelHandler]>
    ) -> NIOHTTPServerUpgradeConfiguration {
        let accepted = NIOLockedValueBox<(any WebSocketSessionDelegate)?>(nil)
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: maxMessageSize,
            automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                let info = connection.withLockedValue { $0 }
                let path = head.uri.split(separator: "?", maxSplits: 1).first ?? ""
                let headers = head.headers
                let decided = channel.eventLoop.makePromise(of: HTTPHeaders?.self)
                Task(executorPreference: executor) {
                    guard let delegate = await responder.openWebSocket(path: path, headers: headers, connection: info) else {
                        decided.succeed(nil)
                        return
                    }
                    accepted.withLockedValue { $0 = delegate }
                    decided.succeed(HTTPHeaders())
                }
                return decided.futureResult
            },
            upgradePipelineHandler: { channel, _ in
                guard let delegate = accepted.withLockedValue({ $0 }) else {
                    return channel.eventLoop.makeFailedFuture(ChannelError.inappropriateOperationForState)
                }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    for handler in httpHandlers.value { sync.removeHandler(handler, promise: nil) }
                    try sync.addHandler(NIOWebSocketFrameAggregator(
                        minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1024, maxAccumulatedFrameSize: maxMessageSize))
                    try sync.addHandler(WebSocketFrameHandler(delegate: delegate, executor: executor))
                }
            })
        return (upgraders: [upgrader], completionHandler: { _ in })
    }
}
