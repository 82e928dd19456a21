// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";
import {IEvidenceAnchor} from "./interfaces/IEvidenceAnchor.sol";
import {EvidenceKinds} from "./libraries/EvidenceKinds.sol";
import {EvidenceMerkle} from "./libraries/EvidenceMerkle.sol";
import {InclusionProof, Leaf, LogInclusion} from "./libraries/EvidenceTypes.sol";

/// @title ConsentRegistry: patients' grants of access to their evidence
/// @notice A patient's gateway records the patient's grant to a grantee (an
/// insurer's account) for the patient's pseudonym, a set of evidence kinds and
/// an expiry. Every grant points at the anchored `consent` evidence leaf that
/// records the patient's act, and that leaf's inclusion is verified here, so a
/// grant cannot exist on chain without its evidence in an anchored batch: a
/// batch anchored on its own (version 1, `grant`) or through an anchored
/// checkpoint of the gateway's batch log (version 2, `grantViaCheckpoint`).
/// @dev Grants are keyed by (gateway, subject, grantee): a pseudonym is only
/// meaningful at its own gateway, and a later grant replaces an earlier one.
contract ConsentRegistry is IConsentRegistry {
    /// @notice The registry of gateways and anchored roots.
    IEvidenceAnchor public immutable anchors;

    /// @dev One slot: kinds(2) expiresAt(8) revoked(1) evidenceId(16).
    struct Grant {
        uint16 kinds;
        uint64 expiresAt;
        bool revoked;
        bytes16 evidenceId;
    }

    /// @notice State of a grant now.
    enum Status {
        None,
        Active,
        Expired,
        Revoked
    }

    mapping(bytes32 key => Grant) private _grants;
    /// @dev keccak256(gateway, evidence id) of every consent leaf already used, so a
    /// revoked grant cannot be revived by replaying its old evidence.
    mapping(bytes32 evidenceKey => bool) private _usedEvidence;

    /// @notice A grant was recorded.
    /// @param gateway The patient's gateway.
    /// @param subject The patient's pseudonym.
    /// @param grantee The grantee's account.
    /// @param kinds Mask of granted kinds.
    /// @param expiresAt Expiry (ms).
    /// @param evidenceId Id of the anchored consent leaf.
    /// @param seq The batch that anchors it.
    event ConsentGranted(
        bytes32 indexed gateway,
        bytes32 indexed subject,
        address indexed grantee,
        uint16 kinds,
        uint64 expiresAt,
        bytes16 evidenceId,
        uint64 seq
    );
    /// @notice A grant was revoked.
    /// @param gateway The patient's gateway.
    /// @param subject The patient's pseudonym.
    /// @param grantee The grantee's account.
    /// @param evidenceId Id of the consent leaf recording the revocation (anchored in a later batch).
    event ConsentRevoked(bytes32 indexed gateway, bytes32 indexed subject, address indexed grantee, bytes16 evidenceId);

    /// @notice The sender is not the active account of the gateway.
    /// @param gateway Gateway id.
    /// @param sender The caller.
    error ConsentRegistry__NotGatewayAccount(bytes32 gateway, address sender);
    /// @notice The referenced leaf is not of kind consent (9).
    /// @param kind The leaf's kind.
    error ConsentRegistry__NotConsentEvidence(uint8 kind);
    /// @notice The leaf's version is not 1.
    /// @param v The version given.
    error ConsentRegistry__UnsupportedLeafVersion(uint8 v);
    /// @notice The grantee is the zero address.
    error ConsentRegistry__ZeroGrantee();
    /// @notice The kinds mask is empty or names an undefined kind.
    /// @param kinds The mask given.
    error ConsentRegistry__InvalidKinds(uint16 kinds);
    /// @notice The expiry is not in the future.
    /// @param expiresAt The expiry given (ms).
    /// @param nowMs The block time (ms).
    error ConsentRegistry__AlreadyExpired(uint64 expiresAt, uint64 nowMs);
    /// @notice No batch is anchored for (gateway, seq).
    /// @param gateway Gateway id.
    /// @param seq Batch seq.
    error ConsentRegistry__BatchNotAnchored(bytes32 gateway, uint64 seq);
    /// @notice The inclusion proof does not yield the anchored root.
    error ConsentRegistry__InvalidProof();
    /// @notice No checkpoint of the gateway's batch log is anchored at this size.
    /// @param gateway Gateway id.
    /// @param logSize The log size given.
    error ConsentRegistry__CheckpointNotAnchored(bytes32 gateway, uint64 logSize);
    /// @notice The batch header rebuilt from the arguments is not entry `seq` of the
    /// anchored log of `logSize` batches (a wrong header field or log path).
    /// @param gateway Gateway id.
    /// @param seq Batch seq.
    /// @param logSize The anchored log size.
    error ConsentRegistry__BatchNotInLog(bytes32 gateway, uint64 seq, uint64 logSize);
    /// @notice The consent leaf was already used for a grant.
    /// @param evidenceId The leaf's id.
    error ConsentRegistry__EvidenceReused(bytes16 evidenceId);
    /// @notice There is no grant to revoke.
    error ConsentRegistry__NoGrant();
    /// @notice The grant is already revoked.
    error ConsentRegistry__AlreadyRevoked();

    /// @param anchors_ The deployed EvidenceAnchor.
    constructor(IEvidenceAnchor anchors_) {
        anchors = anchors_;
    }

    /// @notice Records a patient's grant. The sender must be the active account of
    /// the consent leaf's gateway; the leaf must be of kind consent and included
    /// in batch `proof.seq` of that gateway as anchored.
    /// @param consent The consent evidence leaf; its subject is the patient granting.
    /// @param proof Where the leaf is anchored.
    /// @param grantee The grantee's account.
    /// @param kinds Mask of evidence kinds granted (bit k = kind k, kinds 1..12).
    /// @param expiresAt Expiry, ms since the Unix epoch, in the future.
    function grant(Leaf calldata consent, InclusionProof calldata proof, address grantee, uint16 kinds, uint64 expiresAt)
        external
    {
        bytes32 gateway = _checkGrant(consent, grantee, kinds, expiresAt);
        bytes32 root = anchors.batchRoot(gateway, proof.seq);
        if (root == bytes32(0)) revert ConsentRegistry__BatchNotAnchored(gateway, proof.seq);
        _record(consent, proof, root, grantee, kinds, expiresAt);
    }

    /// @notice Records a patient's grant whose consent leaf's batch is anchored through
    /// a checkpoint of the gateway's batch log (spec sections 9 to 12). As `grant`,
    /// except where the batch root comes from: the header rebuilt from the leaf's
    /// gateway, `proof.seq`, `proof.size` and `log`'s fields must be entry `proof.seq`
    /// of the gateway's log as anchored at `log.logSize`.
    /// @dev The batch root and header fields are the sender's; only the anchored log
    /// root is trusted, and the header (size included) is bound by its log leaf.
    /// @param consent The consent evidence leaf; its subject is the patient granting.
    /// @param proof Where the leaf sits in its batch.
    /// @param log Where the batch sits in the anchored log.
    /// @param grantee The grantee's account.
    /// @param kinds Mask of evidence kinds granted (bit k = kind k, kinds 1..12).
    /// @param expiresAt Expiry, ms since the Unix epoch, in the future.
    function grantViaCheckpoint(
        Leaf calldata consent,
        InclusionProof calldata proof,
        LogInclusion calldata log,
        address grantee,
        uint16 kinds,
        uint64 expiresAt
    ) external {
        bytes32 gateway = _checkGrant(consent, grantee, kinds, expiresAt);
        bytes32 logRoot = anchors.checkpointRootOf(gateway, log.logSize);
        if (logRoot == bytes32(0)) revert ConsentRegistry__CheckpointNotAnchored(gateway, log.logSize);
        bytes32 logLeaf = EvidenceMerkle.logLeafHash(gateway, proof.seq, proof.size, log.batchRoot, log.prev, log.closedAt);
        if (!EvidenceMerkle.verifyInclusion(logLeaf, proof.seq, log.logSize, log.path, logRoot)) {
            revert ConsentRegistry__BatchNotInLog(gateway, proof.seq, log.logSize);
        }
        _record(consent, proof, log.batchRoot, grantee, kinds, expiresAt);
    }

    /// @notice Records the patient's revocation. Effective at once: the leaf that
    /// records it is anchored with the gateway's next batch, and waiting for that
    /// would leave the grant usable in between.
    /// @param gateway The patient's gateway; the sender must be its active account.
    /// @param subject The patient's pseudonym.
    /// @param grantee The grantee's account.
    /// @param evidenceId Id of the consent leaf recording the revocation.
    function revoke(bytes32 gateway, bytes32 subject, address grantee, bytes16 evidenceId) external {
        if (!anchors.isGatewayAccount(gateway, msg.sender)) {
            revert ConsentRegistry__NotGatewayAccount(gateway, msg.sender);
        }
        Grant storage g = _grants[_key(gateway, subject, grantee)];
        if (g.kinds == 0) revert ConsentRegistry__NoGrant();
        if (g.revoked) revert ConsentRegistry__AlreadyRevoked();
        g.revoked = true;
        emit ConsentRevoked(gateway, subject, grantee, evidenceId);
    }

    /// @inheritdoc IConsentRegistry
    function consentOf(bytes32 gateway, bytes32 subject, address grantee)
        external
        view
        returns (uint16 kinds, uint64 expiresAt, bool revoked)
    {
        Grant storage g = _grants[_key(gateway, subject, grantee)];
        return (g.kinds, g.expiresAt, g.revoked);
    }

    /// @notice The grant's state now, and its kinds and consent evidence id.
    /// @param gateway The patient's gateway.
    /// @param subject The patient's pseudonym.
    /// @param grantee The grantee's account.
    /// @return status None, Active, Expired or Revoked.
    /// @return kinds Mask of granted kinds.
    /// @return expiresAt Expiry (ms).
    /// @return evidenceId Id of the consent leaf of the grant.
    function statusOf(bytes32 gateway, bytes32 subject, address grantee)
        external
        view
        returns (Status status, uint16 kinds, uint64 expiresAt, bytes16 evidenceId)
    {
        Grant storage g = _grants[_key(gateway, subject, grantee)];
        return (_status(g), g.kinds, g.expiresAt, g.evidenceId);
    }

    /// @notice Whether an active grant covers every kind in `kinds` now.
    /// @param gateway The patient's gateway.
    /// @param subject The patient's pseudonym.
    /// @param grantee The grantee's account.
    /// @param kinds Mask of kinds that must all be granted.
    /// @return True when active and covering.
    function isActive(bytes32 gateway, bytes32 subject, address grantee, uint16 kinds) external view returns (bool) {
        Grant storage g = _grants[_key(gateway, subject, grantee)];
        return _status(g) == Status.Active && kinds & ~g.kinds == 0;
    }

    /// @dev The checks of a grant before its evidence: sender, leaf, grantee, kinds, expiry.
    function _checkGrant(Leaf calldata consent, address grantee, uint16 kinds, uint64 expiresAt)
        private
        view
        returns (bytes32 gateway)
    {
        gateway = consent.gateway;
        if (!anchors.isGatewayAccount(gateway, msg.sender)) {
            revert ConsentRegistry__NotGatewayAccount(gateway, msg.sender);
        }
        if (consent.v != 1) revert ConsentRegistry__UnsupportedLeafVersion(consent.v);
        if (consent.kind != EvidenceKinds.CONSENT) revert ConsentRegistry__NotConsentEvidence(consent.kind);
        if (grantee == address(0)) revert ConsentRegistry__ZeroGrantee();
        if (!EvidenceKinds.isValidMask(kinds)) revert ConsentRegistry__InvalidKinds(kinds);
        uint64 nowMs = uint64(block.timestamp) * 1000;
        if (expiresAt <= nowMs) revert ConsentRegistry__AlreadyExpired(expiresAt, nowMs);
    }

    /// @dev Verifies the leaf against its (trusted) batch root, spends its evidence id and records the grant.
    function _record(
        Leaf calldata consent,
        InclusionProof calldata proof,
        bytes32 root,
        address grantee,
        uint16 kinds,
        uint64 expiresAt
    ) private {
        if (!EvidenceMerkle.verifyInclusion(EvidenceMerkle.leafHash(consent), proof.index, proof.size, proof.path, root)) {
            revert ConsentRegistry__InvalidProof();
        }
        bytes32 gateway = consent.gateway;
        bytes32 evidenceKey = keccak256(abi.encode(gateway, consent.id));
        if (_usedEvidence[evidenceKey]) revert ConsentRegistry__EvidenceReused(consent.id);
        _usedEvidence[evidenceKey] = true;

        _grants[_key(gateway, consent.subject, grantee)] =
            Grant({kinds: kinds, expiresAt: expiresAt, revoked: false, evidenceId: consent.id});
        emit ConsentGranted(gateway, consent.subject, grantee, kinds, expiresAt, consent.id, proof.seq);
    }

    function _status(Grant storage g) private view returns (Status) {
        if (g.kinds == 0) return Status.None;
        if (g.revoked) return Status.Revoked;
        if (g.expiresAt <= uint64(block.timestamp) * 1000) return Status.Expired;
        return Status.Active;
    }

    function _key(bytes32 gateway, bytes32 subject, address grantee) private pure returns (bytes32) {
        return keccak256(abi.encode(gateway, subject, grantee));
    }
}
