import Foundation

/// Starts a thread this process owns for blocking libpq work.
///
/// Why not `Thread.name`: on Linux, Foundation does not pass the name to the kernel, so
/// `top -H`, `perf` and `/proc/<pid>/task/*/comm` showed every pool thread under the name of
/// Swift's global executor. The name is written from inside the new thread to
/// `/proc/thread-self/comm` instead (what `pthread_setname_np` does, which Glibc's module
/// does not export); the kernel keeps at most 15 bytes.
enum OwnedThread {
    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            setKernelName(name)
            body()
        }
        thread.name = name
        thread.start()
    }

    private static func setKernelName(_ name: String) {
        let descriptor = open("/proc/thread-self/comm", O_WRONLY)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
