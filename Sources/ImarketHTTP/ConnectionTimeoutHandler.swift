import NIOCore

/// Closes connections that stall (API section 1): one idle for `idleTimeout` (no request since it
/// opened or since its last answer), and one whose request headers take longer than
/// `headerReadTimeout` from their first byte (slowloris). A request being answered is never cut,
/// however long it takes: from the client's side that connection is busy, not idle.
///
/// It sits on the plaintext side of TLS, before the HTTP decoder, so it sees the first byte of
/// each request; the HTTP handler of the same connection calls it directly (same event loop)
/// when a head was parsed and when the last queued answer went out. It is inbound-only, so the
/// answers' writes do not pass through it.
///
/// Why one periodic timer instead of NIO's `IdleStateHandler` plus a header timer: a keep-alive
/// stream of small calls then costs no timer work per request and one handler fewer on every
/// read and write. The timer checks every quarter of the shorter timeout, so a stalled
/// connection closes between 1× and 1.25× its timeout.
final class ConnectionTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum State {
        case waiting(since: NIODeadline)
        case readingHead(since: NIODeadline)
        case inRequest
    }

    private let headerReadTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private let checkInterval: TimeAmount
    private var state = State.inRequest  // until the channel is active
    private var timer: Scheduled<Void>?
    private var eventLoop: (any EventLoop)?

    init(headerReadTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.headerReadTimeout = headerReadTimeout
        self.idleTimeout = idleTimeout
        self.checkInterval = .nanoseconds(max(1, min(headerReadTimeout.nanoseconds, idleTimeout.nanoseconds) / 4))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        eventLoop = context.eventLoop
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .waiting = state {
            state = .readingHead(since: context.eventLoop.now)
        }
        context.fireChannelRead(data)
    }

    /// A request head was parsed: no timeout applies until its answer is out.
    func headReceived() {
        state = .inRequest
    }

    /// The last answer went out and nothing is queued: the idle clock starts.
    func responseComplete() {
        guard let eventLoop else { return }
        state = .waiting(since: eventLoop.now)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    private func start(context: ChannelHandlerContext) {
        guard timer == nil else { return }
        state = .waiting(since: context.eventLoop.now)
        arm(context: context)
    }

    private func stop() {
        timer?.cancel()
        timer = nil
    }

    /// The moment the current state has overstayed, if it can.
    private var deadline: NIODeadline? {
        switch state {
        case .waiting(let since): return since + idleTimeout
        case .readingHead(let since): return since + headerReadTimeout
        case .inRequest: return nil
        }
    }

    private func arm(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: checkInterval) {
            let (handler, context) = loopBound.value
            guard handler.timer != nil else { return }
            if let deadline = handler.deadline, deadline <= context.eventLoop.now {
                handler.timer = nil
                context.close(promise: nil)
            } else {
                handler.arm(context: context)
            }
        }
    }
}
