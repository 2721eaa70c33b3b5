import NIOCore

/// Plaintext writes not yet handed to OpenSSL, with NIO's write/flush split:
/// only writes issued before the latest `flush` may be encrypted and sent.
/// During the handshake everything waits here.
final class PendingWrites {
    private var entries = CircularBuffer<(buffer: ByteBuffer, promise: EventLoopPromise<Void>?)>(initialCapacity: 4)
    /// How many entries at the front have been flushed.
    private(set) var flushedCount = 0

    var flushRequested: Bool { flushedCount > 0 }

    func append(_ buffer: ByteBuffer, promise: EventLoopPromise<Void>?) {
        entries.append((buffer, promise))
    }

    func markFlushed() {
        flushedCount = entries.count
    }

    func popFlushed() -> (buffer: ByteBuffer, promise: EventLoopPromise<Void>?)? {
        guard flushedCount > 0 else { return nil }
        flushedCount -= 1
        return entries.removeFirst()
    }

    func failAll(_ error: Error) {
        let failed = entries
        entries.removeAll(keepingCapacity: false)
        flushedCount = 0
        for entry in failed {
            entry.promise?.fail(error)
        }
    }
}
