// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IEvidenceAnchor} from "./interfaces/IEvidenceAnchor.sol";
import {EvidenceMerkle} from "./libraries/EvidenceMerkle.sol";

/// @title EvidenceAnchor: the registry of gateways, routing nodes and witnesses and the
/// anchor of their batch headers and batch-log checkpoints (spec sections 2, 4 to 6, 9 to 11)
/// @notice A governor registers each gateway, routing node and standalone witness
/// (id, EVM account, SM2 public key, active flag), rotates keys with history, and
/// says which participants act as witnesses (spec section 10). A gateway's
/// account anchors either each batch header in order (version 1: seq = last + 1
/// and prev = last headerHash) or checkpoints of its batch log (version 2: a
/// larger size each time, with an RFC 9162 consistency proof from the last one
/// verified here), so anchored history can never be dropped, reordered or rewritten.
/// @dev The SM2 header and checkpoint signatures are not verified here (no SM2
/// precompile); verifiers check them offline against the key this contract
/// returns for the batch's seq. Storage per batch anchor is one new slot (the
/// root) plus two updated per-gateway slots; size and headerHash of past batches
/// live in the event. Storage per checkpoint is two new slots (the root, keyed
/// by size; size, ts, block number and block time packed in one word, keyed by
/// position) plus one updated per-gateway slot.
contract EvidenceAnchor is AccessControl, IEvidenceAnchor {
    /// @notice Role allowed to register participants, rotate keys, change accounts and (de)activate.
    bytes32 public constant GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");
    /// @notice The only header and leaf version defined (spec sections 4 and 6).
    uint8 public constant VERSION = 1;
    /// @notice Header `alg` code of keccak256, the only tree hash an EVM anchor accepts.
    uint8 public constant ALG_KECCAK256 = 1;

    /// @notice What a registered id is.
    /// Witness is a standalone witness (a regulator's or a court's node) that
    /// only cosigns checkpoints; it is appended so the codes of the others stay.
    enum ParticipantKind {
        None,
        Gateway,
        Node,
        Witness
    }

    /// @dev Slot 0 packs account, nextSeq, kind, active and checkpointed (31
    /// bytes). Slot 1 holds the headerHash of the latest batch XOR _HASH_MASK:
    /// registration writes the mask (latest = zero, the prev seq 0 must carry),
    /// so the slot is never zero and every anchor, the first included, pays for
    /// updating a slot instead of creating one. Slot 2, the checkpoint head,
    /// packs the number of anchored checkpoints (bits 0-63) and the last
    /// anchored log size (bits 64-127); registration of a gateway sets bit 255
    /// for the same reason. `checkpointed` is set by the first checkpoint: from
    /// then on the gateway anchors only checkpoints.
    struct Participant {
        address account;
        uint64 nextSeq;
        ParticipantKind kind;
        bool active;
        bool checkpointed;
        bytes32 maskedLastHeaderHash;
        uint256 checkpointHead;
    }

    bytes32 private constant _HASH_MASK = keccak256("EvidenceAnchor.lastHeaderHash");
    uint256 private constant _HEAD_SET = 1 << 255;
    /// @dev The `checkpointed` flag as it sits in slot 0.
    uint256 private constant _CHECKPOINTED = 1 << 240;

    /// @notice An anchored checkpoint of a gateway's batch log, as read back.
    /// @dev Stored as the root (keyed by size) and one packed word (keyed by
    /// position); this struct is only the views' return shape.
    struct CheckpointRecord {
        uint64 index;
        uint64 size;
        bytes32 root;
        uint64 ts;
        uint64 blockNumber;
        uint64 anchoredAt;
    }

    /// @notice A witness as listed by `witnesses`: its registration and current key.
    struct WitnessRecord {
        bytes32 id;
        ParticipantKind kind;
        address account;
        bool active;
        bytes publicKey;
    }

    /// @notice A public key and the first batch seq (gateways) and time (ms) from which it is valid.
    struct KeyEpoch {
        uint64 fromSeq;
        uint64 fromTime;
        bytes publicKey;
    }

    mapping(bytes32 id => Participant) private _participants;
    mapping(bytes32 id => KeyEpoch[]) private _keys;
    mapping(bytes32 gateway => mapping(uint64 seq => bytes32 root)) private _roots;
    mapping(bytes32 gateway => mapping(uint64 size => bytes32 root)) private _checkpointRoots;
    /// @dev size (bits 0-63) | ts (64-127) | block number (128-191) | block time in ms (192-255).
    mapping(bytes32 gateway => mapping(uint256 index => uint256 packed)) private _checkpointMeta;
    /// @dev The ids holding the witness role, in no fixed order (removal swaps
    /// the last id in), and each one's position + 1 (zero: not a witness). Kept
    /// apart from Participant so that anchor() and anchorCheckpoint() read and
    /// write exactly the slots they did before witnesses existed.
    bytes32[] private _witnessIds;
    mapping(bytes32 id => uint256 positionPlusOne) private _witnessPositions;

    /// @notice A gateway was registered.
    /// @param gateway Gateway id.
    /// @param account Its EVM account.
    /// @param publicKey Its SM2 public key (65 bytes).
    event GatewayRegistered(bytes32 indexed gateway, address indexed account, bytes publicKey);
    /// @notice A routing node was registered.
    /// @param node Node id.
    /// @param account Its EVM account.
    /// @param publicKey Its SM2 public key (65 bytes).
    event NodeRegistered(bytes32 indexed node, address indexed account, bytes publicKey);
    /// @notice A standalone witness was registered; it holds the witness role from now on.
    /// @param witness Witness id.
    /// @param account Its EVM account.
    /// @param publicKey Its SM2 public key (65 bytes).
    event WitnessRegistered(bytes32 indexed witness, address indexed account, bytes publicKey);
    /// @notice A registered gateway or routing node was given or lost the witness role.
    /// @param id Participant id.
    /// @param witness Whether it now holds the role.
    event WitnessSet(bytes32 indexed id, bool witness);
    /// @notice A participant's SM2 key was rotated.
    /// @param id Participant id.
    /// @param fromSeq First batch seq signed with the new key.
    /// @param fromTime Time (ms) of the rotation.
    /// @param publicKey The new key.
    event KeyRotated(bytes32 indexed id, uint64 fromSeq, uint64 fromTime, bytes publicKey);
    /// @notice A participant's EVM account was changed.
    /// @param id Participant id.
    /// @param previous The old account.
    /// @param account The new account.
    event AccountChanged(bytes32 indexed id, address indexed previous, address indexed account);
    /// @notice A participant was deactivated: it can no longer anchor or record.
    /// @param id Participant id.
    event ParticipantDeactivated(bytes32 indexed id);
    /// @notice A participant was reactivated.
    /// @param id Participant id.
    event ParticipantReactivated(bytes32 indexed id);
    /// @notice A batch header was anchored.
    /// @param gateway Gateway id.
    /// @param seq Batch seq.
    /// @param root Merkle root.
    /// @param size Number of leaves.
    /// @param headerHash keccak256(headerBytes), the next batch's prev.
    event BatchAnchored(bytes32 indexed gateway, uint64 indexed seq, bytes32 root, uint64 size, bytes32 headerHash);
    /// @notice A checkpoint of a gateway's batch log was anchored: batches 0 .. size - 1 are anchored by it.
    /// @param gateway Gateway id.
    /// @param size Log size.
    /// @param root The log's Merkle Tree Hash at that size.
    /// @param ts The checkpoint's ts as the gateway signed it (ms).
    /// @param index Its position among the gateway's anchored checkpoints.
    event CheckpointAnchored(bytes32 indexed gateway, uint64 indexed size, bytes32 root, uint64 ts, uint256 index);

    /// @notice The id is not a registered gateway.
    /// @param gateway The id given.
    error EvidenceAnchor__UnknownGateway(bytes32 gateway);
    /// @notice The id is not registered at all.
    /// @param id The id given.
    error EvidenceAnchor__UnknownParticipant(bytes32 id);
    /// @notice The id is already registered.
    /// @param id The id given.
    error EvidenceAnchor__AlreadyRegistered(bytes32 id);
    /// @notice The sender is not the gateway's registered account.
    /// @param gateway Gateway id.
    /// @param sender The caller.
    error EvidenceAnchor__Unauthorized(bytes32 gateway, address sender);
    /// @notice The gateway is deactivated.
    /// @param gateway Gateway id.
    error EvidenceAnchor__Inactive(bytes32 gateway);
    /// @notice The header's alg is not keccak256 (1).
    /// @param alg The alg code given.
    error EvidenceAnchor__UnsupportedAlgorithm(uint8 alg);
    /// @notice The header claims an empty batch or a zero root.
    error EvidenceAnchor__EmptyBatch();
    /// @notice seq is not last + 1 (a gap or a replay).
    /// @param gateway Gateway id.
    /// @param expected The seq that must come next.
    /// @param seq The seq given.
    error EvidenceAnchor__OutOfOrder(bytes32 gateway, uint64 expected, uint64 seq);
    /// @notice prev is not the headerHash of the gateway's latest batch (a fork).
    /// @param gateway Gateway id.
    /// @param seq The seq given.
    /// @param expected The latest headerHash.
    /// @param prev The prev given.
    error EvidenceAnchor__Fork(bytes32 gateway, uint64 seq, bytes32 expected, bytes32 prev);
    /// @notice A public key is not 65 bytes starting with 0x04.
    error EvidenceAnchor__InvalidPublicKey();
    /// @notice The account is the zero address.
    error EvidenceAnchor__ZeroAccount();
    /// @notice The id is the zero id.
    error EvidenceAnchor__ZeroId();
    /// @notice The participant already has the requested active flag.
    /// @param id Participant id.
    /// @param active The current flag.
    error EvidenceAnchor__ActiveUnchanged(bytes32 id, bool active);
    /// @notice The checkpoint's size is not above the last anchored size (a replay or a rollback).
    /// @param gateway Gateway id.
    /// @param lastSize The last anchored size (zero before the first checkpoint).
    /// @param size The size given.
    error EvidenceAnchor__StaleCheckpoint(bytes32 gateway, uint64 lastSize, uint64 size);
    /// @notice The consistency proof does not show that the log of `size` extends the
    /// last anchored one (a rewritten history), or a first checkpoint came with a proof.
    /// @param gateway Gateway id.
    /// @param lastSize The last anchored size (zero before the first checkpoint).
    /// @param size The size given.
    error EvidenceAnchor__InconsistentCheckpoint(bytes32 gateway, uint64 lastSize, uint64 size);
    /// @notice The checkpoint's root is zero, which no log has and which reads as "none".
    /// @param gateway Gateway id.
    error EvidenceAnchor__ZeroCheckpointRoot(bytes32 gateway);
    /// @notice The gateway anchors per batch: its batches cannot also be anchored by checkpoints.
    /// @param gateway Gateway id.
    /// @param nextSeq The seq its next batch anchor must carry.
    error EvidenceAnchor__AnchoredPerBatch(bytes32 gateway, uint64 nextSeq);
    /// @notice The gateway anchors checkpoints: its batches cannot also be anchored one by one.
    /// @param gateway Gateway id.
    error EvidenceAnchor__AnchoredByCheckpoints(bytes32 gateway);
    /// @notice A standalone witness holds the witness role for as long as it is registered:
    /// deactivate it (setActive) instead of taking the role away.
    /// @param id Witness id.
    error EvidenceAnchor__StandaloneWitness(bytes32 id);
    /// @notice The participant already has the requested witness role.
    /// @param id Participant id.
    /// @param witness The current role.
    error EvidenceAnchor__WitnessUnchanged(bytes32 id, bool witness);
    /// @notice leafBytes is not 122 bytes long.
    /// @param length The length given.
    error EvidenceAnchor__InvalidLeafLength(uint256 length);

    /// @param admin Holder of DEFAULT_ADMIN_ROLE and the first GOVERNOR_ROLE.
    constructor(address admin) {
        if (admin == address(0)) revert EvidenceAnchor__ZeroAccount();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GOVERNOR_ROLE, admin);
    }

    // ---------------------------------------------------------------- governance

    /// @notice Registers a gateway (a hospital's 服务开放设备), active, with its first key valid from seq 0.
    /// @param gateway Gateway id, SM3(utf8(code)).
    /// @param account The EVM account that will anchor its batches.
    /// @param publicKey SM2 public key, 65 bytes 0x04 || x || y.
    function registerGateway(bytes32 gateway, address account, bytes calldata publicKey)
        external
        onlyRole(GOVERNOR_ROLE)
    {
        _register(gateway, ParticipantKind.Gateway, account, publicKey);
        emit GatewayRegistered(gateway, account, publicKey);
    }

    /// @notice Registers a routing node (服务路由设备), active, with its first key.
    /// @param node Node id, SM3(utf8(code)).
    /// @param account The node's EVM account.
    /// @param publicKey SM2 public key, 65 bytes 0x04 || x || y.
    function registerNode(bytes32 node, address account, bytes calldata publicKey) external onlyRole(GOVERNOR_ROLE) {
        _register(node, ParticipantKind.Node, account, publicKey);
        emit NodeRegistered(node, account, publicKey);
    }

    /// @notice Registers a standalone witness (a regulator's or a court's node), active,
    /// holding the witness role, with its first key. It cosigns checkpoints only: it
    /// cannot anchor, and the registries never treat it as a gateway.
    /// @param witness Witness id, SM3(utf8(code)).
    /// @param account The witness's EVM account.
    /// @param publicKey SM2 public key, 65 bytes 0x04 || x || y.
    function registerWitness(bytes32 witness, address account, bytes calldata publicKey)
        external
        onlyRole(GOVERNOR_ROLE)
    {
        _register(witness, ParticipantKind.Witness, account, publicKey);
        _addWitness(witness);
        emit WitnessRegistered(witness, account, publicKey);
    }

    /// @notice Gives a registered gateway or routing node the witness role, or takes it
    /// away: it then cosigns with the key it already has (rotated with rotateKey, and
    /// no longer a witness while deactivated).
    /// @param id Participant id.
    /// @param witness The new role.
    function setWitness(bytes32 id, bool witness) external onlyRole(GOVERNOR_ROLE) {
        Participant storage p = _known(id);
        if (p.kind == ParticipantKind.Witness) revert EvidenceAnchor__StandaloneWitness(id);
        if ((_witnessPositions[id] != 0) == witness) revert EvidenceAnchor__WitnessUnchanged(id, witness);
        if (witness) _addWitness(id);
        else _removeWitness(id);
        emit WitnessSet(id, witness);
    }

    /// @notice Rotates a participant's SM2 key. For a gateway the new key signs
    /// from its next seq on (the first batch no anchored checkpoint covers, for a
    /// gateway anchoring checkpoints); older batches keep the key they were signed with.
    /// @param id Participant id.
    /// @param publicKey The new SM2 public key, 65 bytes 0x04 || x || y.
    function rotateKey(bytes32 id, bytes calldata publicKey) external onlyRole(GOVERNOR_ROLE) {
        Participant storage p = _known(id);
        _checkPublicKey(publicKey);
        uint64 fromTime = _nowMs();
        uint64 fromSeq = p.checkpointed ? uint64(p.checkpointHead >> 64) : p.nextSeq;
        _keys[id].push(KeyEpoch({fromSeq: fromSeq, fromTime: fromTime, publicKey: publicKey}));
        emit KeyRotated(id, fromSeq, fromTime, publicKey);
    }

    /// @notice Moves a participant to a new EVM account (for example after a custody change).
    /// @param id Participant id.
    /// @param account The new account.
    function setAccount(bytes32 id, address account) external onlyRole(GOVERNOR_ROLE) {
        if (account == address(0)) revert EvidenceAnchor__ZeroAccount();
        Participant storage p = _known(id);
        address previous = p.account;
        p.account = account;
        emit AccountChanged(id, previous, account);
    }

    /// @notice Deactivates or reactivates a participant. History stays readable either way.
    /// @param id Participant id.
    /// @param active The new flag.
    function setActive(bytes32 id, bool active) external onlyRole(GOVERNOR_ROLE) {
        Participant storage p = _known(id);
        if (p.active == active) revert EvidenceAnchor__ActiveUnchanged(id, active);
        p.active = active;
        if (active) emit ParticipantReactivated(id);
        else emit ParticipantDeactivated(id);
    }

    // ---------------------------------------------------------------- anchoring

    /// @notice Anchors a batch header (spec section 6). Only the gateway's account,
    /// only alg keccak256, only seq = last + 1 and prev = last headerHash.
    /// @dev Every argument is chosen by the sender; the checks below are what
    /// make the chain of batches append-only. The header version is not an
    /// argument: v = 1 is the only version and is what gets hashed.
    /// @param gateway Gateway id.
    /// @param seq Batch seq.
    /// @param alg Tree hash code, 1 (keccak256).
    /// @param size Number of leaves, at least 1.
    /// @param root Merkle root, non-zero.
    /// @param prev headerHash of the previous batch, zero for seq 0.
    /// @param closedAt Time (ms) the batch closed.
    /// @return hash keccak256(headerBytes), recomputed here.
    function anchor(bytes32 gateway, uint64 seq, uint8 alg, uint64 size, bytes32 root, bytes32 prev, uint64 closedAt)
        external
        returns (bytes32 hash)
    {
        Participant storage p = _participants[gateway];
        // Fast path: slot 0 of an active gateway whose account is the sender
        // and whose next seq is `seq` holds exactly this word, so one storage
        // read and one comparison accept the sender and the order. Any other
        // value takes the slow path, which names the first rule broken.
        uint256 accepted = _slot0(msg.sender, seq, ParticipantKind.Gateway, true, false);
        uint256 slot0;
        assembly ("memory-safe") {
            slot0 := sload(p.slot)
        }
        if (slot0 != accepted || alg != ALG_KECCAK256 || size == 0 || root == bytes32(0)) {
            _refuse(p, gateway, seq, alg, size, root);
        }
        bytes32 last = p.maskedLastHeaderHash ^ _HASH_MASK;
        if (prev != last) revert EvidenceAnchor__Fork(gateway, seq, last, prev);

        hash = EvidenceMerkle.headerHash(VERSION, gateway, seq, alg, size, root, prev, closedAt);
        _roots[gateway][seq] = root;
        // nextSeq = seq + 1, added into the word just read. It cannot carry into
        // the kind byte: that would take a gateway's 2^64th batch.
        assembly ("memory-safe") {
            sstore(p.slot, add(slot0, shl(160, 1)))
        }
        p.maskedLastHeaderHash = hash ^ _HASH_MASK;
        emit BatchAnchored(gateway, seq, root, size, hash);
    }

    /// @notice Anchors a checkpoint of the gateway's batch log (spec section 11): one
    /// transaction anchors every batch up to `size - 1`. Only the gateway's account,
    /// only alg keccak256, only a size above the last anchored size, and only with
    /// the RFC 9162 consistency proof from the last anchored checkpoint (an empty
    /// proof for the first), which is verified here.
    /// @dev Every argument is chosen by the sender. The consistency check is what
    /// makes the log append-only: a log whose anchored prefix was dropped, reordered
    /// or rewritten has no proof reaching the anchored root. The SM2 checkpoint
    /// signature is not an argument; verifiers check it (spec section 12). A gateway
    /// that has anchored batches one by one cannot anchor checkpoints, and the first
    /// checkpoint closes per-batch anchoring for good: the contract cannot check a
    /// log against separately anchored batches, and two anchored versions of one
    /// batch would be a fork it let through.
    /// @param gateway Gateway id.
    /// @param alg Log hash code, 1 (keccak256).
    /// @param size Log size, above the last anchored size.
    /// @param root The log's Merkle Tree Hash at `size`, non-zero.
    /// @param ts The checkpoint's ts as the gateway signed it (ms); recorded, not checked.
    /// @param proof PROOF(lastSize, D[size]) of RFC 9162 2.1.4.1; empty for the first checkpoint.
    /// @return index Position of the new checkpoint among the gateway's anchored checkpoints.
    function anchorCheckpoint(bytes32 gateway, uint8 alg, uint64 size, bytes32 root, uint64 ts, bytes32[] calldata proof)
        external
        returns (uint256 index)
    {
        Participant storage p = _participants[gateway];
        // Fast path as in anchor(): one word says the sender is the account of
        // an active gateway that never anchored per batch (nextSeq = 0),
        // whether or not it anchored a checkpoint already.
        {
            uint256 slot0;
            assembly ("memory-safe") {
                slot0 := sload(p.slot)
            }
            if (
                slot0 | _CHECKPOINTED != _slot0(msg.sender, 0, ParticipantKind.Gateway, true, true)
                    || alg != ALG_KECCAK256 || root == bytes32(0)
            ) _refuseCheckpoint(p, gateway, alg);
        }
        uint64 lastSize;
        {
            uint256 head = p.checkpointHead;
            index = uint64(head);
            lastSize = uint64(head >> 64);
        }
        if (size <= lastSize) revert EvidenceAnchor__StaleCheckpoint(gateway, lastSize, size);
        if (index == 0) {
            // Nothing anchored to be consistent with: a proof could only be
            // unverifiable filler, so none is accepted.
            if (proof.length != 0) revert EvidenceAnchor__InconsistentCheckpoint(gateway, 0, size);
            p.checkpointed = true;
        } else if (!EvidenceMerkle.verifyConsistency(lastSize, size, _checkpointRoots[gateway][lastSize], root, proof)) {
            revert EvidenceAnchor__InconsistentCheckpoint(gateway, lastSize, size);
        }
        _checkpointRoots[gateway][size] = root;
        _checkpointMeta[gateway][index] = uint256(size) | (uint256(ts) << 64) | (uint256(uint64(block.number)) << 128)
            | (uint256(_nowMs()) << 192);
        p.checkpointHead = _HEAD_SET | (uint256(size) << 64) | (index + 1);
        emit CheckpointAnchored(gateway, size, root, ts, index);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IEvidenceAnchor
    function batchRoot(bytes32 gateway, uint64 seq) external view returns (bytes32 root) {
        return _roots[gateway][seq];
    }

    /// @notice Whether batch `seq` of `gateway` is anchored with exactly this root.
    /// @param gateway Gateway id.
    /// @param seq Batch seq.
    /// @param root The root to test.
    /// @return True when anchored with this root.
    function isAnchored(bytes32 gateway, uint64 seq, bytes32 root) external view returns (bool) {
        return root != bytes32(0) && _roots[gateway][seq] == root;
    }

    /// @notice The gateway's latest anchored batch.
    /// @param gateway Gateway id.
    /// @return exists False before the first batch.
    /// @return seq Latest seq.
    /// @return lastHeaderHash Its headerHash.
    function latest(bytes32 gateway) external view returns (bool exists, uint64 seq, bytes32 lastHeaderHash) {
        Participant storage p = _participants[gateway];
        if (p.nextSeq == 0) return (false, 0, bytes32(0));
        return (true, p.nextSeq - 1, p.maskedLastHeaderHash ^ _HASH_MASK);
    }

    /// @inheritdoc IEvidenceAnchor
    function checkpointRootOf(bytes32 gateway, uint64 size) external view returns (bytes32 root) {
        return _checkpointRoots[gateway][size];
    }

    /// @notice How many checkpoints the gateway has anchored.
    /// @param gateway Gateway id.
    /// @return count Number of anchored checkpoints; positions run from 0 to count - 1.
    function checkpointCount(bytes32 gateway) external view returns (uint256 count) {
        return uint64(_participants[gateway].checkpointHead);
    }

    /// @notice The gateway's last anchored checkpoint.
    /// @param gateway Gateway id.
    /// @return exists False before the first checkpoint.
    /// @return record The checkpoint (zero when none).
    function lastCheckpoint(bytes32 gateway) external view returns (bool exists, CheckpointRecord memory record) {
        uint256 count = uint64(_participants[gateway].checkpointHead);
        if (count == 0) return (false, record);
        return (true, _checkpointRecord(gateway, count - 1));
    }

    /// @notice The gateway's checkpoint anchored at exactly this log size.
    /// @dev Sizes grow with position, so the position is found by binary search
    /// over the packed words: O(log count) reads, for off-chain callers. A
    /// contract that needs only the root reads checkpointRootOf, one read.
    /// @param gateway Gateway id.
    /// @param size Log size.
    /// @return exists False when no checkpoint of this size is anchored.
    /// @return record The checkpoint (zero when none).
    function checkpointAt(bytes32 gateway, uint64 size)
        external
        view
        returns (bool exists, CheckpointRecord memory record)
    {
        if (_checkpointRoots[gateway][size] == bytes32(0)) return (false, record);
        mapping(uint256 => uint256) storage meta = _checkpointMeta[gateway];
        uint256 lo = 0;
        uint256 hi = uint64(_participants[gateway].checkpointHead);
        while (lo < hi) {
            uint256 mid = (lo + hi) >> 1;
            if (uint64(meta[mid]) < size) lo = mid + 1;
            else hi = mid;
        }
        return (true, _checkpointRecord(gateway, lo));
    }

    /// @notice A page of the gateway's anchored checkpoints in anchoring order, so an
    /// auditor can walk the whole history from state, with no event search.
    /// @param gateway Gateway id.
    /// @param from First position.
    /// @param limit Most checkpoints to return.
    /// @return page Checkpoints at positions from .. from + limit - 1 that exist (empty past the end).
    function checkpoints(bytes32 gateway, uint256 from, uint256 limit)
        external
        view
        returns (CheckpointRecord[] memory page)
    {
        uint256 count = uint64(_participants[gateway].checkpointHead);
        uint256 n = from < count ? count - from : 0;
        if (limit < n) n = limit;
        page = new CheckpointRecord[](n);
        for (uint256 i; i < n; ++i) {
            page[i] = _checkpointRecord(gateway, from + i);
        }
    }

    /// @notice Whether a batch is anchored through a checkpoint (spec sections 9, 11):
    /// the header (v = 1, alg keccak256) rebuilt from these fields is the log entry
    /// `seq` of the gateway's log of `logSize` batches, whose root is anchored.
    /// @dev `logSize` only selects an anchored checkpoint: a size no checkpoint has
    /// yields false, so a path that would also fit another tree size (RFC 9162
    /// paths away from the right edge do) proves nothing beyond the anchored log.
    /// @param gateway Gateway id.
    /// @param seq Batch seq, the leaf's index in the log.
    /// @param size Number of leaves of the batch.
    /// @param root The batch's Merkle root.
    /// @param prev The header's prev.
    /// @param closedAt The header's closedAt (ms).
    /// @param logSize Size of an anchored checkpoint.
    /// @param logPath RFC 9162 inclusion path of the header's log leaf at index seq in the log of logSize.
    /// @return True when the header is in the anchored log.
    function isBatchAnchoredInCheckpoint(
        bytes32 gateway,
        uint64 seq,
        uint64 size,
        bytes32 root,
        bytes32 prev,
        uint64 closedAt,
        uint64 logSize,
        bytes32[] calldata logPath
    ) external view returns (bool) {
        bytes32 logRoot = _checkpointRoots[gateway][logSize];
        if (logRoot == bytes32(0)) return false;
        bytes32 leaf = EvidenceMerkle.logLeafHash(gateway, seq, size, root, prev, closedAt);
        return EvidenceMerkle.verifyInclusion(leaf, seq, logSize, logPath, logRoot);
    }

    /// @inheritdoc IEvidenceAnchor
    function isGatewayAccount(bytes32 gateway, address account) external view returns (bool) {
        Participant storage p = _participants[gateway];
        return p.kind == ParticipantKind.Gateway && p.active && p.account == account;
    }

    /// @inheritdoc IEvidenceAnchor
    function isWitness(bytes32 id) external view returns (bool) {
        return _witnessPositions[id] != 0 && _participants[id].active;
    }

    /// @notice How many participants hold the witness role, active or not.
    /// @return count Number of witnesses; `witnesses` pages over positions 0 to count - 1.
    function countWitnesses() external view returns (uint256 count) {
        return _witnessIds.length;
    }

    /// @notice A page of the participants holding the witness role, each with its current
    /// key, read from state so that a verifier can build its witness policy with no event search.
    /// @dev Positions are not stable: taking the role from one witness moves the last
    /// one into its place. Read countWitnesses and the pages in one block (one
    /// blockTag) for a consistent list. Deactivated witnesses are listed with
    /// active = false; isWitness is false for them.
    /// @param from First position.
    /// @param limit Most witnesses to return.
    /// @return page Witnesses at positions from .. from + limit - 1 that exist (empty past the end).
    function witnesses(uint256 from, uint256 limit) external view returns (WitnessRecord[] memory page) {
        uint256 count = _witnessIds.length;
        uint256 n = from < count ? count - from : 0;
        if (limit < n) n = limit;
        page = new WitnessRecord[](n);
        for (uint256 i; i < n; ++i) {
            bytes32 id = _witnessIds[from + i];
            Participant storage p = _participants[id];
            KeyEpoch[] storage keys = _keys[id];
            page[i] = WitnessRecord({
                id: id,
                kind: p.kind,
                account: p.account,
                active: p.active,
                publicKey: keys[keys.length - 1].publicKey
            });
        }
    }

    /// @notice A participant's registration.
    /// @param id Participant id.
    /// @return kind None when unknown.
    /// @return account EVM account.
    /// @return active Active flag.
    /// @return nextSeq The seq its next batch must carry (gateways).
    function participant(bytes32 id)
        external
        view
        returns (ParticipantKind kind, address account, bool active, uint64 nextSeq)
    {
        Participant storage p = _participants[id];
        return (p.kind, p.account, p.active, p.nextSeq);
    }

    /// @notice The SM2 key a gateway had to sign batch `seq` with (the newest key whose fromSeq <= seq).
    /// @param id Participant id.
    /// @param seq Batch seq.
    /// @return publicKey 65 bytes, or empty when the id is unknown.
    function keyAt(bytes32 id, uint64 seq) external view returns (bytes memory publicKey) {
        KeyEpoch[] storage keys = _keys[id];
        for (uint256 i = keys.length; i > 0; --i) {
            if (keys[i - 1].fromSeq <= seq) return keys[i - 1].publicKey;
        }
        return "";
    }

    /// @notice The SM2 key a participant held at a time (the newest key whose fromTime <= atMs),
    /// for routing nodes, whose hops carry times rather than seqs.
    /// @param id Participant id.
    /// @param atMs Time in ms since the Unix epoch.
    /// @return publicKey 65 bytes, or empty when the id is unknown or was not registered yet.
    function keyAtTime(bytes32 id, uint64 atMs) external view returns (bytes memory publicKey) {
        KeyEpoch[] storage keys = _keys[id];
        for (uint256 i = keys.length; i > 0; --i) {
            if (keys[i - 1].fromTime <= atMs) return keys[i - 1].publicKey;
        }
        return "";
    }

    /// @notice Every key a participant has had, oldest first.
    /// @param id Participant id.
    /// @return The key epochs.
    function keyHistory(bytes32 id) external view returns (KeyEpoch[] memory) {
        return _keys[id];
    }

    // ---------------------------------------------------------------- pure helpers

    /// @notice keccak256(0x00 || leafBytes), spec section 4.
    /// @param leafBytes Exactly 122 bytes.
    /// @return The leaf hash.
    function leafHash(bytes calldata leafBytes) external pure returns (bytes32) {
        if (leafBytes.length != EvidenceMerkle.LEAF_LENGTH) revert EvidenceAnchor__InvalidLeafLength(leafBytes.length);
        return EvidenceMerkle.leafHashFromBytes(leafBytes);
    }

    /// @notice RFC 9162 section 2.1.3.2 inclusion check under keccak256.
    /// @param leaf The leaf hash.
    /// @param index Leaf position.
    /// @param size Tree size.
    /// @param path Audit path.
    /// @param root Expected root.
    /// @return False (never a revert) on a bad proof.
    function verifyInclusion(bytes32 leaf, uint256 index, uint256 size, bytes32[] calldata path, bytes32 root)
        external
        pure
        returns (bool)
    {
        return EvidenceMerkle.verifyInclusion(leaf, index, size, path, root);
    }

    /// @notice RFC 9162 section 2.1.4.2 consistency check under keccak256: whether
    /// the log of `second` entries with `secondRoot` extends the log of `first`
    /// entries with `firstRoot`.
    /// @param first Size of the older log.
    /// @param second Size of the newer log.
    /// @param firstRoot Root of the older log.
    /// @param secondRoot Root of the newer log.
    /// @param proof PROOF(first, D[second]) of RFC 9162 2.1.4.1.
    /// @return False (never a revert) on a bad or malformed proof: first = 0,
    /// first > second, a proof for equal sizes, a proof too short or too long.
    function verifyConsistency(
        uint256 first,
        uint256 second,
        bytes32 firstRoot,
        bytes32 secondRoot,
        bytes32[] calldata proof
    ) external pure returns (bool) {
        return EvidenceMerkle.verifyConsistency(first, second, firstRoot, secondRoot, proof);
    }

    /// @notice logLeafHash of spec section 9 under keccak256: keccak256(0x00 ||
    /// headerBytes) of the header v = 1, alg = 1 with these fields.
    /// @param gateway Gateway id.
    /// @param seq Batch seq.
    /// @param size Leaves.
    /// @param root Batch root.
    /// @param prev Previous headerHash.
    /// @param closedAt Close time (ms).
    /// @return The log leaf hash.
    function logLeafHash(bytes32 gateway, uint64 seq, uint64 size, bytes32 root, bytes32 prev, uint64 closedAt)
        external
        pure
        returns (bytes32)
    {
        return EvidenceMerkle.logLeafHash(gateway, seq, size, root, prev, closedAt);
    }

    /// @notice keccak256(headerBytes), spec section 6, for any alg code.
    /// @param v Version.
    /// @param gateway Gateway id.
    /// @param seq Seq.
    /// @param alg Alg code.
    /// @param size Leaves.
    /// @param root Root.
    /// @param prev Previous headerHash.
    /// @param closedAt Close time (ms).
    /// @return The header hash.
    function headerHash(
        uint8 v,
        bytes32 gateway,
        uint64 seq,
        uint8 alg,
        uint64 size,
        bytes32 root,
        bytes32 prev,
        uint64 closedAt
    ) external pure returns (bytes32) {
        return EvidenceMerkle.headerHash(v, gateway, seq, alg, size, root, prev, closedAt);
    }

    // ---------------------------------------------------------------- internal

    function _register(bytes32 id, ParticipantKind kind, address account, bytes calldata publicKey) private {
        if (id == bytes32(0)) revert EvidenceAnchor__ZeroId();
        if (account == address(0)) revert EvidenceAnchor__ZeroAccount();
        _checkPublicKey(publicKey);
        Participant storage p = _participants[id];
        if (p.kind != ParticipantKind.None) revert EvidenceAnchor__AlreadyRegistered(id);
        p.kind = kind;
        p.account = account;
        p.active = true;
        p.maskedLastHeaderHash = _HASH_MASK;
        if (kind == ParticipantKind.Gateway) p.checkpointHead = _HEAD_SET;
        _keys[id].push(KeyEpoch({fromSeq: 0, fromTime: _nowMs(), publicKey: publicKey}));
    }

    function _addWitness(bytes32 id) private {
        _witnessIds.push(id);
        _witnessPositions[id] = _witnessIds.length;
    }

    /// @dev Swap-and-pop, so the list holds only current witnesses and never grows
    /// with role changes.
    function _removeWitness(bytes32 id) private {
        uint256 position = _witnessPositions[id] - 1;
        uint256 last = _witnessIds.length - 1;
        if (position != last) {
            bytes32 moved = _witnessIds[last];
            _witnessIds[position] = moved;
            _witnessPositions[moved] = position + 1;
        }
        _witnessIds.pop();
        delete _witnessPositions[id];
    }

    /// @dev Slot 0 as Solidity packs it: account in bits 0-159, nextSeq in
    /// 160-223, kind in 224-231, active in 232-239, checkpointed in 240-247.
    function _slot0(address account, uint64 nextSeq, ParticipantKind kind, bool active, bool checkpointed)
        private
        pure
        returns (uint256)
    {
        return uint256(uint160(account)) | (uint256(nextSeq) << 160) | (uint256(uint8(kind)) << 224)
            | (active ? uint256(1) << 232 : 0) | (checkpointed ? _CHECKPOINTED : 0);
    }

    /// @dev The slow path of anchor(): reverts with the first rule the call breaks, in this order.
    function _refuse(Participant storage p, bytes32 gateway, uint64 seq, uint8 alg, uint64 size, bytes32 root)
        private
        view
    {
        if (p.kind != ParticipantKind.Gateway) revert EvidenceAnchor__UnknownGateway(gateway);
        if (p.account != msg.sender) revert EvidenceAnchor__Unauthorized(gateway, msg.sender);
        if (!p.active) revert EvidenceAnchor__Inactive(gateway);
        if (alg != ALG_KECCAK256) revert EvidenceAnchor__UnsupportedAlgorithm(alg);
        if (p.checkpointed) revert EvidenceAnchor__AnchoredByCheckpoints(gateway);
        if (size == 0 || root == bytes32(0)) revert EvidenceAnchor__EmptyBatch();
        revert EvidenceAnchor__OutOfOrder(gateway, p.nextSeq, seq);
    }

    /// @dev The slow path of anchorCheckpoint(): reverts with the first rule the call breaks, in this order.
    function _refuseCheckpoint(Participant storage p, bytes32 gateway, uint8 alg) private view {
        if (p.kind != ParticipantKind.Gateway) revert EvidenceAnchor__UnknownGateway(gateway);
        if (p.account != msg.sender) revert EvidenceAnchor__Unauthorized(gateway, msg.sender);
        if (!p.active) revert EvidenceAnchor__Inactive(gateway);
        if (alg != ALG_KECCAK256) revert EvidenceAnchor__UnsupportedAlgorithm(alg);
        if (p.nextSeq != 0) revert EvidenceAnchor__AnchoredPerBatch(gateway, p.nextSeq);
        revert EvidenceAnchor__ZeroCheckpointRoot(gateway);
    }

    /// @dev The checkpoint at `index`, unpacked, with its root.
    function _checkpointRecord(bytes32 gateway, uint256 index) private view returns (CheckpointRecord memory r) {
        uint256 packed = _checkpointMeta[gateway][index];
        r.index = uint64(index);
        r.size = uint64(packed);
        r.ts = uint64(packed >> 64);
        r.blockNumber = uint64(packed >> 128);
        r.anchoredAt = uint64(packed >> 192);
        r.root = _checkpointRoots[gateway][r.size];
    }

    function _known(bytes32 id) private view returns (Participant storage p) {
        p = _participants[id];
        if (p.kind == ParticipantKind.None) revert EvidenceAnchor__UnknownParticipant(id);
    }

    function _checkPublicKey(bytes calldata publicKey) private pure {
        if (publicKey.length != 65 || publicKey[0] != 0x04) revert EvidenceAnchor__InvalidPublicKey();
    }

    function _nowMs() private view returns (uint64) {
        return uint64(block.timestamp) * 1000;
    }
}
