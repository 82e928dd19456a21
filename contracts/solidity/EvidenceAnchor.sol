// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IEvidenceAnchor} from "./interfaces/IEvidenceAnchor.sol";
import {EvidenceMerkle} from "./libraries/EvidenceMerkle.sol";

/// @title EvidenceAnchor: the registry of gateways and routing nodes and the
/// anchor of their batch headers (spec sections 2, 4 to 6)
/// @notice A governor registers each gateway and routing node (id, EVM account,
/// SM2 public key, active flag) and rotates keys with history. A gateway's
/// account anchors its batch headers in order: seq = last + 1 and prev = last
/// headerHash, so an anchored batch can never be dropped, reordered or rewritten.
/// @dev The SM2 header signature is not verified here (no SM2 precompile);
/// verifiers check it offline against the key this contract returns for the
/// batch's seq. Storage per anchor is one new slot (the root) plus two updated
/// per-gateway slots; size and headerHash of past batches live in the event.
contract EvidenceAnchor is AccessControl, IEvidenceAnchor {
    /// @notice Role allowed to register participants, rotate keys, change accounts and (de)activate.
    bytes32 public constant GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");
    /// @notice The only header and leaf version defined (spec sections 4 and 6).
    uint8 public constant VERSION = 1;
    /// @notice Header `alg` code of keccak256, the only tree hash an EVM anchor accepts.
    uint8 public constant ALG_KECCAK256 = 1;

    /// @notice What a registered id is.
    enum ParticipantKind {
        None,
        Gateway,
        Node
    }

    /// @dev Slot 0 packs account, nextSeq, kind and active (30 bytes). Slot 1
    /// holds the headerHash of the latest batch XOR _HASH_MASK: registration
    /// writes the mask (latest = zero, the prev seq 0 must carry), so the slot
    /// is never zero and every anchor, the first included, pays for updating a
    /// slot instead of creating one (2 900 gas instead of 20 000).
    struct Participant {
        address account;
        uint64 nextSeq;
        ParticipantKind kind;
        bool active;
        bytes32 maskedLastHeaderHash;
    }

    bytes32 private constant _HASH_MASK = keccak256("EvidenceAnchor.lastHeaderHash");

    /// @notice A public key and the first batch seq (gateways) and time (ms) from which it is valid.
    struct KeyEpoch {
        uint64 fromSeq;
        uint64 fromTime;
        bytes publicKey;
    }

    mapping(bytes32 id => Participant) private _participants;
    mapping(bytes32 id => KeyEpoch[]) private _keys;
    mapping(bytes32 gateway => mapping(uint64 seq => bytes32 root)) private _roots;

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

    /// @notice Rotates a participant's SM2 key. For a gateway the new key signs
    /// from its next seq on; older batches keep the key they were signed with.
    /// @param id Participant id.
    /// @param publicKey The new SM2 public key, 65 bytes 0x04 || x || y.
    function rotateKey(bytes32 id, bytes calldata publicKey) external onlyRole(GOVERNOR_ROLE) {
        Participant storage p = _known(id);
        _checkPublicKey(publicKey);
        uint64 fromTime = _nowMs();
        _keys[id].push(KeyEpoch({fromSeq: p.nextSeq, fromTime: fromTime, publicKey: publicKey}));
        emit KeyRotated(id, p.nextSeq, fromTime, publicKey);
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
        uint256 accepted = _slot0(msg.sender, seq, ParticipantKind.Gateway, true);
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
    function isGatewayAccount(bytes32 gateway, address account) external view returns (bool) {
        Participant storage p = _participants[gateway];
        return p.kind == ParticipantKind.Gateway && p.active && p.account == account;
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
        _keys[id].push(KeyEpoch({fromSeq: 0, fromTime: _nowMs(), publicKey: publicKey}));
    }

    /// @dev Slot 0 as Solidity packs it: account in bits 0-159, nextSeq in
    /// 160-223, kind in 224-231, active in 232-239.
    function _slot0(address account, uint64 nextSeq, ParticipantKind kind, bool active) private pure returns (uint256) {
        return uint256(uint160(account)) | (uint256(nextSeq) << 160) | (uint256(uint8(kind)) << 224)
            | (active ? uint256(1) << 232 : 0);
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
        if (size == 0 || root == bytes32(0)) revert EvidenceAnchor__EmptyBatch();
        revert EvidenceAnchor__OutOfOrder(gateway, p.nextSeq, seq);
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
