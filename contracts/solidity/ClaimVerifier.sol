// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";
import {IEvidenceAnchor} from "./interfaces/IEvidenceAnchor.sol";
import {EvidenceKinds} from "./libraries/EvidenceKinds.sol";
import {EvidenceMerkle} from "./libraries/EvidenceMerkle.sol";
import {InclusionProof, Leaf, LogInclusion} from "./libraries/EvidenceTypes.sol";

/// @title ClaimVerifier: insurers' claims checked against anchored evidence
/// @notice An insurer submits a claim: an id, the patient's pseudonym and the
/// evidence items it rests on. Each item must be included in an anchored batch
/// (anchored on its own, or through an anchored checkpoint of its gateway's
/// batch log with `submitClaimViaCheckpoints`),
/// belong to that patient, be covered by the patient's active consent to this
/// insurer, and not be part of any other claim; together the items must cover
/// the kinds the insurer's policy requires. Each failure has its own error.
/// @dev The insurer chooses every byte of the claim; the only trusted inputs are
/// the anchored roots and the consent registry.
contract ClaimVerifier is AccessControl {
    /// @notice Role allowed to set insurers' policies.
    bytes32 public constant POLICY_ADMIN_ROLE = keccak256("POLICY_ADMIN_ROLE");
    /// @notice Most evidence items one claim may carry (bounds the gas of a claim).
    uint256 public constant MAX_ITEMS = 64;

    /// @notice The registry of gateways and anchored roots.
    IEvidenceAnchor public immutable anchors;
    /// @notice The registry of patients' grants.
    IConsentRegistry public immutable consents;

    /// @notice One piece of evidence: the leaf and where it is anchored.
    struct EvidenceItem {
        Leaf leaf;
        InclusionProof proof;
    }

    /// @notice One piece of evidence whose batch may be anchored through a checkpoint:
    /// `log.logSize` = 0 says the batch is anchored on its own (as EvidenceItem, the
    /// rest of `log` unused); otherwise `log` places the batch in the gateway's log
    /// as anchored at `log.logSize`.
    struct CheckpointedEvidenceItem {
        Leaf leaf;
        InclusionProof proof;
        LogInclusion log;
    }

    /// @notice An insurer's policy: the kinds every claim must include.
    struct Policy {
        bool registered;
        uint16 requiredKinds;
    }

    /// @notice A verified claim.
    struct Claim {
        address insurer;
        uint64 verifiedAt;
        uint16 kinds;
        uint16 items;
        bytes32 subject;
    }

    mapping(address insurer => Policy) private _policies;
    mapping(bytes32 claimId => Claim) private _claims;
    /// @dev keccak256(gateway, evidence id) => the claim that used it.
    mapping(bytes32 evidenceKey => bytes32 claimId) private _claimOfEvidence;

    /// @notice An insurer's policy was set.
    /// @param insurer The insurer's account.
    /// @param requiredKinds Mask of kinds every claim must include.
    event InsurerPolicySet(address indexed insurer, uint16 requiredKinds);
    /// @notice An insurer was removed: it can no longer submit claims.
    /// @param insurer The insurer's account.
    event InsurerRemoved(address indexed insurer);
    /// @notice A claim was verified.
    /// @param claimId The claim id.
    /// @param insurer The submitting insurer.
    /// @param subject The patient's pseudonym.
    /// @param kinds Mask of the kinds its evidence covers.
    /// @param items Number of evidence items.
    event ClaimVerified(
        bytes32 indexed claimId, address indexed insurer, bytes32 indexed subject, uint16 kinds, uint256 items
    );

    /// @notice The sender has no policy: it is not a registered insurer.
    /// @param sender The caller.
    error ClaimVerifier__UnknownInsurer(address sender);
    /// @notice A policy mask names an undefined kind.
    /// @param requiredKinds The mask given.
    error ClaimVerifier__InvalidPolicy(uint16 requiredKinds);
    /// @notice The insurer's account is the zero address.
    error ClaimVerifier__ZeroInsurer();
    /// @notice The claim id is zero.
    error ClaimVerifier__ZeroClaimId();
    /// @notice A claim with this id was already verified.
    /// @param claimId The claim id.
    error ClaimVerifier__ClaimExists(bytes32 claimId);
    /// @notice The claim has no evidence, or more than MAX_ITEMS.
    /// @param items The number given.
    error ClaimVerifier__BadItemCount(uint256 items);
    /// @notice An item's leaf version is not 1.
    /// @param item Item index.
    /// @param v The version.
    error ClaimVerifier__UnsupportedLeafVersion(uint256 item, uint8 v);
    /// @notice An item's kind is not defined by the spec.
    /// @param item Item index.
    /// @param kind The kind.
    error ClaimVerifier__UnknownKind(uint256 item, uint8 kind);
    /// @notice An item's leaf belongs to another patient.
    /// @param item Item index.
    /// @param subject The leaf's subject.
    error ClaimVerifier__SubjectMismatch(uint256 item, bytes32 subject);
    /// @notice The patient has granted this insurer nothing at the item's gateway.
    /// @param item Item index.
    /// @param gateway The item's gateway.
    error ClaimVerifier__ConsentMissing(uint256 item, bytes32 gateway);
    /// @notice The patient revoked the grant.
    /// @param item Item index.
    /// @param gateway The item's gateway.
    error ClaimVerifier__ConsentRevoked(uint256 item, bytes32 gateway);
    /// @notice The grant has expired.
    /// @param item Item index.
    /// @param gateway The item's gateway.
    /// @param expiresAt The grant's expiry (ms).
    error ClaimVerifier__ConsentExpired(uint256 item, bytes32 gateway, uint64 expiresAt);
    /// @notice The grant does not cover the item's kind.
    /// @param item Item index.
    /// @param kind The item's kind.
    error ClaimVerifier__KindNotConsented(uint256 item, uint8 kind);
    /// @notice No batch is anchored for the item's (gateway, seq).
    /// @param item Item index.
    /// @param gateway The item's gateway.
    /// @param seq The batch seq given.
    error ClaimVerifier__BatchNotAnchored(uint256 item, bytes32 gateway, uint64 seq);
    /// @notice The item's inclusion proof does not yield the anchored root.
    /// @param item Item index.
    error ClaimVerifier__InvalidProof(uint256 item);
    /// @notice No checkpoint of the item's gateway's batch log is anchored at this size.
    /// @param item Item index.
    /// @param gateway The item's gateway.
    /// @param logSize The log size given.
    error ClaimVerifier__CheckpointNotAnchored(uint256 item, bytes32 gateway, uint64 logSize);
    /// @notice The batch header rebuilt from the item is not entry `seq` of the
    /// anchored log of `logSize` batches (a wrong header field or log path).
    /// @param item Item index.
    /// @param gateway The item's gateway.
    /// @param seq The batch seq given.
    /// @param logSize The anchored log size.
    error ClaimVerifier__BatchNotInLog(uint256 item, bytes32 gateway, uint64 seq, uint64 logSize);
    /// @notice The item's evidence id is already part of a claim (another one, or this one twice).
    /// @param item Item index.
    /// @param evidenceId The evidence id.
    /// @param claimId The claim that used it.
    error ClaimVerifier__EvidenceAlreadyClaimed(uint256 item, bytes16 evidenceId, bytes32 claimId);
    /// @notice The evidence lacks kinds the insurer's policy requires.
    /// @param missing Mask of the missing kinds.
    error ClaimVerifier__MissingRequiredKinds(uint16 missing);

    /// @param admin Holder of DEFAULT_ADMIN_ROLE and the first POLICY_ADMIN_ROLE.
    /// @param anchors_ The deployed EvidenceAnchor.
    /// @param consents_ The deployed ConsentRegistry.
    constructor(address admin, IEvidenceAnchor anchors_, IConsentRegistry consents_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(POLICY_ADMIN_ROLE, admin);
        anchors = anchors_;
        consents = consents_;
    }

    /// @notice Registers an insurer, or changes its policy.
    /// @param insurer The insurer's account.
    /// @param requiredKinds Mask of kinds every claim must include (may be zero).
    function setPolicy(address insurer, uint16 requiredKinds) external onlyRole(POLICY_ADMIN_ROLE) {
        if (insurer == address(0)) revert ClaimVerifier__ZeroInsurer();
        if (requiredKinds & ~EvidenceKinds.ALL != 0) revert ClaimVerifier__InvalidPolicy(requiredKinds);
        _policies[insurer] = Policy({registered: true, requiredKinds: requiredKinds});
        emit InsurerPolicySet(insurer, requiredKinds);
    }

    /// @notice Removes an insurer. Its verified claims stay on record.
    /// @param insurer The insurer's account.
    function removeInsurer(address insurer) external onlyRole(POLICY_ADMIN_ROLE) {
        if (!_policies[insurer].registered) revert ClaimVerifier__UnknownInsurer(insurer);
        delete _policies[insurer];
        emit InsurerRemoved(insurer);
    }

    /// @notice Verifies and records a claim; reverts with the first failure.
    /// @param claimId The insurer's claim id, non-zero and unused.
    /// @param subject The patient's pseudonym; every item's leaf must carry it.
    /// @param items The evidence, 1 to MAX_ITEMS items.
    /// @return kinds Mask of the kinds the evidence covers.
    function submitClaim(bytes32 claimId, bytes32 subject, EvidenceItem[] calldata items)
        external
        returns (uint16 kinds)
    {
        uint16 required = _openClaim(claimId, items.length);
        for (uint256 i; i < items.length; ++i) {
            EvidenceItem calldata item = items[i];
            _checkLeaf(i, item.leaf, subject);
            bytes32 root = _batchRoot(i, item.leaf.gateway, item.proof.seq);
            kinds |= _spendItem(i, item.leaf, item.proof, root, claimId);
        }
        _closeClaim(claimId, subject, kinds, required, items.length);
    }

    /// @notice Verifies and records a claim whose items' batches may be anchored through
    /// checkpoints of their gateways' batch logs (spec sections 9 to 12), each item
    /// either way; reverts with the first failure. The checks are those of
    /// submitClaim, with the batch root of a checkpointed item taken from its log:
    /// the header rebuilt from the leaf's gateway, `proof.seq`, `proof.size` and
    /// `log`'s fields must be entry `proof.seq` of the log anchored at `log.logSize`.
    /// @param claimId The insurer's claim id, non-zero and unused.
    /// @param subject The patient's pseudonym; every item's leaf must carry it.
    /// @param items The evidence, 1 to MAX_ITEMS items.
    /// @return kinds Mask of the kinds the evidence covers.
    function submitClaimViaCheckpoints(bytes32 claimId, bytes32 subject, CheckpointedEvidenceItem[] calldata items)
        external
        returns (uint16 kinds)
    {
        uint16 required = _openClaim(claimId, items.length);
        for (uint256 i; i < items.length; ++i) {
            CheckpointedEvidenceItem calldata item = items[i];
            _checkLeaf(i, item.leaf, subject);
            bytes32 root = item.log.logSize == 0
                ? _batchRoot(i, item.leaf.gateway, item.proof.seq)
                : _loggedBatchRoot(i, item.leaf.gateway, item.proof, item.log);
            kinds |= _spendItem(i, item.leaf, item.proof, root, claimId);
        }
        _closeClaim(claimId, subject, kinds, required, items.length);
    }

    /// @notice A verified claim, or a zero insurer when there is none.
    /// @param claimId The claim id.
    /// @return The claim.
    function claimOf(bytes32 claimId) external view returns (Claim memory) {
        return _claims[claimId];
    }

    /// @notice The claim that used an evidence item, or zero.
    /// @param gateway The leaf's gateway.
    /// @param evidenceId The leaf's id.
    /// @return claimId The claim id.
    function claimOfEvidence(bytes32 gateway, bytes16 evidenceId) external view returns (bytes32 claimId) {
        return _claimOfEvidence[keccak256(abi.encode(gateway, evidenceId))];
    }

    /// @notice An insurer's policy.
    /// @param insurer The insurer's account.
    /// @return The policy (registered false when unknown).
    function policyOf(address insurer) external view returns (Policy memory) {
        return _policies[insurer];
    }

    /// @dev The checks before any item: a registered insurer, a new non-zero id, 1 to
    /// MAX_ITEMS items. Returns the kinds the insurer's policy requires.
    function _openClaim(bytes32 claimId, uint256 n) private view returns (uint16 required) {
        Policy memory policy = _policies[msg.sender];
        if (!policy.registered) revert ClaimVerifier__UnknownInsurer(msg.sender);
        if (claimId == bytes32(0)) revert ClaimVerifier__ZeroClaimId();
        if (_claims[claimId].insurer != address(0)) revert ClaimVerifier__ClaimExists(claimId);
        if (n == 0 || n > MAX_ITEMS) revert ClaimVerifier__BadItemCount(n);
        return policy.requiredKinds;
    }

    /// @dev The policy check after every item, then the record and its event.
    function _closeClaim(bytes32 claimId, bytes32 subject, uint16 kinds, uint16 required, uint256 n) private {
        uint16 missing = required & ~kinds;
        if (missing != 0) revert ClaimVerifier__MissingRequiredKinds(missing);
        _claims[claimId] = Claim({
            insurer: msg.sender,
            verifiedAt: uint64(block.timestamp) * 1000,
            kinds: kinds,
            items: uint16(n),
            subject: subject
        });
        emit ClaimVerified(claimId, msg.sender, subject, kinds, n);
    }

    /// @dev An item's leaf: version, kind, patient, and the patient's consent to the sender.
    function _checkLeaf(uint256 i, Leaf calldata leaf, bytes32 subject) private view {
        if (leaf.v != 1) revert ClaimVerifier__UnsupportedLeafVersion(i, leaf.v);
        if (!EvidenceKinds.isKnown(leaf.kind)) revert ClaimVerifier__UnknownKind(i, leaf.kind);
        if (leaf.subject != subject) revert ClaimVerifier__SubjectMismatch(i, leaf.subject);
        _checkConsent(i, leaf.gateway, subject, leaf.kind);
    }

    /// @dev The root of a batch anchored on its own.
    function _batchRoot(uint256 i, bytes32 gateway, uint64 seq) private view returns (bytes32 root) {
        root = anchors.batchRoot(gateway, seq);
        if (root == bytes32(0)) revert ClaimVerifier__BatchNotAnchored(i, gateway, seq);
    }

    /// @dev The root of a batch anchored through a checkpoint: the sender's `log.batchRoot`,
    /// once the header it completes is shown to be in the anchored log.
    function _loggedBatchRoot(uint256 i, bytes32 gateway, InclusionProof calldata proof, LogInclusion calldata log)
        private
        view
        returns (bytes32)
    {
        bytes32 logRoot = anchors.checkpointRootOf(gateway, log.logSize);
        if (logRoot == bytes32(0)) revert ClaimVerifier__CheckpointNotAnchored(i, gateway, log.logSize);
        bytes32 logLeaf = EvidenceMerkle.logLeafHash(gateway, proof.seq, proof.size, log.batchRoot, log.prev, log.closedAt);
        if (!EvidenceMerkle.verifyInclusion(logLeaf, proof.seq, log.logSize, log.path, logRoot)) {
            revert ClaimVerifier__BatchNotInLog(i, gateway, proof.seq, log.logSize);
        }
        return log.batchRoot;
    }

    /// @dev Checks the leaf against its (trusted) batch root and marks its evidence id
    /// used by this claim; returns its kind's bit.
    function _spendItem(uint256 i, Leaf calldata leaf, InclusionProof calldata proof, bytes32 root, bytes32 claimId)
        private
        returns (uint16)
    {
        bool included = EvidenceMerkle.verifyInclusion(EvidenceMerkle.leafHash(leaf), proof.index, proof.size, proof.path, root);
        if (!included) revert ClaimVerifier__InvalidProof(i);

        bytes32 evidenceKey = keccak256(abi.encode(leaf.gateway, leaf.id));
        bytes32 usedBy = _claimOfEvidence[evidenceKey];
        if (usedBy != bytes32(0)) revert ClaimVerifier__EvidenceAlreadyClaimed(i, leaf.id, usedBy);
        _claimOfEvidence[evidenceKey] = claimId;
        return EvidenceKinds.bit(leaf.kind);
    }

    function _checkConsent(uint256 i, bytes32 gateway, bytes32 subject, uint8 kind) private view {
        (uint16 granted, uint64 expiresAt, bool revoked) = consents.consentOf(gateway, subject, msg.sender);
        if (granted == 0) revert ClaimVerifier__ConsentMissing(i, gateway);
        if (revoked) revert ClaimVerifier__ConsentRevoked(i, gateway);
        if (expiresAt <= uint64(block.timestamp) * 1000) revert ClaimVerifier__ConsentExpired(i, gateway, expiresAt);
        if (granted & EvidenceKinds.bit(kind) == 0) revert ClaimVerifier__KindNotConsented(i, kind);
    }
}
