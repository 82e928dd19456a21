// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IEvidenceAnchor} from "./interfaces/IEvidenceAnchor.sol";

/// @title CredentialRegistry: practitioner credentials institutions recognise
/// @notice A registered institution (an active gateway's account) issues a
/// credential for a practitioner (pseudonymous id, role, SM3 digest of the
/// licence, validity window) and alone may suspend, reinstate or revoke it.
/// Anyone reads a credential's status at any time: every change is kept with
/// its time, so "was this pharmacist's credential valid when the prescription
/// was reviewed" has an answer after the fact.
/// @dev Times are ms since the Unix epoch, as in the evidence format.
contract CredentialRegistry {
    /// @notice The registry of gateways (institutions).
    IEvidenceAnchor public immutable anchors;

    /// @notice Practitioner roles. 0 is not a role.
    uint8 public constant ROLE_DOCTOR = 1;
    /// @notice Pharmacist (reviews prescriptions).
    uint8 public constant ROLE_PHARMACIST = 2;
    /// @notice Nurse.
    uint8 public constant ROLE_NURSE = 3;
    /// @notice Medical technician.
    uint8 public constant ROLE_TECHNICIAN = 4;

    /// @notice A credential's status at a time.
    enum Status {
        Unknown,
        Active,
        Suspended,
        Revoked,
        NotYetValid,
        Expired
    }

    /// @notice The issuer's decisions over a credential's life; validity is separate.
    enum Lifecycle {
        Active,
        Suspended,
        Revoked
    }

    /// @notice A credential as issued.
    struct Credential {
        bytes32 issuer;
        bytes32 practitioner;
        bytes32 licenceDigest;
        uint64 validFrom;
        uint64 validUntil;
        uint8 role;
    }

    /// @notice A lifecycle change and the time (ms) it took effect.
    struct Change {
        uint64 at;
        Lifecycle state;
    }

    mapping(bytes32 credentialId => Credential) private _credentials;
    mapping(bytes32 credentialId => Change[]) private _changes;

    /// @notice A credential was issued.
    /// @param credentialId The credential id.
    /// @param issuer The issuing institution's gateway id.
    /// @param practitioner The practitioner's pseudonymous id.
    /// @param role The role code.
    /// @param licenceDigest SM3 digest of the licence document.
    /// @param validFrom Start of validity (ms).
    /// @param validUntil End of validity (ms, exclusive).
    event CredentialIssued(
        bytes32 indexed credentialId,
        bytes32 indexed issuer,
        bytes32 indexed practitioner,
        uint8 role,
        bytes32 licenceDigest,
        uint64 validFrom,
        uint64 validUntil
    );
    /// @notice A credential was suspended.
    /// @param credentialId The credential id.
    /// @param at Time (ms).
    /// @param reason Digest or code of the reason, kept off chain.
    event CredentialSuspended(bytes32 indexed credentialId, uint64 at, bytes32 reason);
    /// @notice A suspended credential was reinstated.
    /// @param credentialId The credential id.
    /// @param at Time (ms).
    event CredentialReinstated(bytes32 indexed credentialId, uint64 at);
    /// @notice A credential was revoked, for good.
    /// @param credentialId The credential id.
    /// @param at Time (ms).
    /// @param reason Digest or code of the reason, kept off chain.
    event CredentialRevoked(bytes32 indexed credentialId, uint64 at, bytes32 reason);

    /// @notice The sender is not the active account of the issuing institution.
    /// @param issuer The institution's gateway id.
    /// @param sender The caller.
    error CredentialRegistry__NotIssuer(bytes32 issuer, address sender);
    /// @notice A credential with this id exists.
    /// @param credentialId The id.
    error CredentialRegistry__AlreadyIssued(bytes32 credentialId);
    /// @notice No credential has this id.
    /// @param credentialId The id.
    error CredentialRegistry__UnknownCredential(bytes32 credentialId);
    /// @notice The role code is not defined.
    /// @param role The code given.
    error CredentialRegistry__InvalidRole(uint8 role);
    /// @notice validFrom is not before validUntil.
    /// @param validFrom Start given.
    /// @param validUntil End given.
    error CredentialRegistry__InvalidValidity(uint64 validFrom, uint64 validUntil);
    /// @notice The credential id, practitioner or licence digest is zero.
    error CredentialRegistry__ZeroField();
    /// @notice The transition is not allowed from the credential's current state.
    /// @param credentialId The id.
    /// @param current Its current lifecycle state.
    error CredentialRegistry__InvalidTransition(bytes32 credentialId, Lifecycle current);

    /// @param anchors_ The deployed EvidenceAnchor.
    constructor(IEvidenceAnchor anchors_) {
        anchors = anchors_;
    }

    /// @notice Issues a credential. The sender must be the active account of `issuer`.
    /// @param credentialId A fresh non-zero id.
    /// @param issuer The issuing institution's gateway id.
    /// @param practitioner The practitioner's pseudonymous id.
    /// @param role 1 doctor, 2 pharmacist, 3 nurse, 4 technician.
    /// @param licenceDigest SM3 digest of the licence document.
    /// @param validFrom Start of validity (ms).
    /// @param validUntil End of validity (ms, exclusive), after validFrom.
    function issue(
        bytes32 credentialId,
        bytes32 issuer,
        bytes32 practitioner,
        uint8 role,
        bytes32 licenceDigest,
        uint64 validFrom,
        uint64 validUntil
    ) external {
        if (!anchors.isGatewayAccount(issuer, msg.sender)) revert CredentialRegistry__NotIssuer(issuer, msg.sender);
        if (credentialId == bytes32(0) || practitioner == bytes32(0) || licenceDigest == bytes32(0)) {
            revert CredentialRegistry__ZeroField();
        }
        if (role < ROLE_DOCTOR || role > ROLE_TECHNICIAN) revert CredentialRegistry__InvalidRole(role);
        if (validFrom >= validUntil) revert CredentialRegistry__InvalidValidity(validFrom, validUntil);
        if (_credentials[credentialId].issuer != bytes32(0)) revert CredentialRegistry__AlreadyIssued(credentialId);
        _credentials[credentialId] = Credential({
            issuer: issuer,
            practitioner: practitioner,
            licenceDigest: licenceDigest,
            validFrom: validFrom,
            validUntil: validUntil,
            role: role
        });
        emit CredentialIssued(credentialId, issuer, practitioner, role, licenceDigest, validFrom, validUntil);
    }

    /// @notice Suspends an active credential.
    /// @param credentialId The id.
    /// @param reason Digest or code of the reason.
    function suspend(bytes32 credentialId, bytes32 reason) external {
        uint64 at = _transition(credentialId, Lifecycle.Active, Lifecycle.Suspended);
        emit CredentialSuspended(credentialId, at, reason);
    }

    /// @notice Reinstates a suspended credential.
    /// @param credentialId The id.
    function reinstate(bytes32 credentialId) external {
        uint64 at = _transition(credentialId, Lifecycle.Suspended, Lifecycle.Active);
        emit CredentialReinstated(credentialId, at);
    }

    /// @notice Revokes an active or suspended credential; revocation is final.
    /// @param credentialId The id.
    /// @param reason Digest or code of the reason.
    function revoke(bytes32 credentialId, bytes32 reason) external {
        Lifecycle current = _current(credentialId);
        if (current == Lifecycle.Revoked) revert CredentialRegistry__InvalidTransition(credentialId, current);
        uint64 at = _transition(credentialId, current, Lifecycle.Revoked);
        emit CredentialRevoked(credentialId, at, reason);
    }

    /// @notice The credential's status now.
    /// @param credentialId The id.
    /// @return The status (Unknown when there is no such credential).
    function status(bytes32 credentialId) external view returns (Status) {
        return _statusAt(credentialId, uint64(block.timestamp) * 1000);
    }

    /// @notice The credential's status at a time: Revoked once revoked, else
    /// NotYetValid/Expired outside the window, else the issuer's last decision by then.
    /// @param credentialId The id.
    /// @param atMs The time (ms).
    /// @return The status (Unknown when there is no such credential).
    function statusAt(bytes32 credentialId, uint64 atMs) external view returns (Status) {
        return _statusAt(credentialId, atMs);
    }

    /// @notice A credential as issued.
    /// @param credentialId The id.
    /// @return The credential (zero issuer when unknown).
    function credentialOf(bytes32 credentialId) external view returns (Credential memory) {
        return _credentials[credentialId];
    }

    /// @notice Every lifecycle change of a credential, oldest first.
    /// @param credentialId The id.
    /// @return The changes.
    function history(bytes32 credentialId) external view returns (Change[] memory) {
        return _changes[credentialId];
    }

    function _statusAt(bytes32 credentialId, uint64 atMs) private view returns (Status) {
        Credential storage c = _credentials[credentialId];
        if (c.issuer == bytes32(0)) return Status.Unknown;
        Lifecycle state = Lifecycle.Active;
        Change[] storage changes = _changes[credentialId];
        for (uint256 i = changes.length; i > 0; --i) {
            if (changes[i - 1].at <= atMs) {
                state = changes[i - 1].state;
                break;
            }
        }
        if (state == Lifecycle.Revoked) return Status.Revoked;
        if (atMs < c.validFrom) return Status.NotYetValid;
        if (atMs >= c.validUntil) return Status.Expired;
        return state == Lifecycle.Suspended ? Status.Suspended : Status.Active;
    }

    function _current(bytes32 credentialId) private view returns (Lifecycle) {
        Change[] storage changes = _changes[credentialId];
        return changes.length == 0 ? Lifecycle.Active : changes[changes.length - 1].state;
    }

    /// @dev Checks the sender is the issuer's account and the credential is in `from`; records `to`.
    function _transition(bytes32 credentialId, Lifecycle from, Lifecycle to) private returns (uint64 at) {
        Credential storage c = _credentials[credentialId];
        if (c.issuer == bytes32(0)) revert CredentialRegistry__UnknownCredential(credentialId);
        if (!anchors.isGatewayAccount(c.issuer, msg.sender)) revert CredentialRegistry__NotIssuer(c.issuer, msg.sender);
        Lifecycle current = _current(credentialId);
        if (current != from) revert CredentialRegistry__InvalidTransition(credentialId, current);
        at = uint64(block.timestamp) * 1000;
        _changes[credentialId].push(Change({at: at, state: to}));
    }
}
