/// Why a state machine refused an event. Shared by `ContractStateMachine` and
/// `DemandStateMachine`; states and events are named by their API strings so the error can be
/// shown to a client as is (JSON-RPC -32009, "state does not allow it").
public enum TransitionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `event` is not allowed in state `from` (both API names, e.g. `delivered`, `confirm`).
    case invalidTransition(from: String, event: String)
    /// Rejecting a delivery needs a non-blank note (JSON-RPC -32602, field `note`).
    case noteRequired

    /// Stable snake_case reason for the error's `data.reason`.
    public var reason: String {
        switch self {
        case .invalidTransition: return "invalid_state"
        case .noteRequired: return "note_required"
        }
    }

    public var description: String {
        switch self {
        case .invalidTransition(let from, let event): return "\(event) is not allowed in state \(from)"
        case .noteRequired: return "a note is required when a delivery is not accepted"
        }
    }
}
