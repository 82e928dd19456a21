// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title Evidence types shared by the registries
/// @notice The leaf of spec section 4 in its field form, and a reference to
/// the anchored batch that includes it with its RFC 9162 inclusion proof.

/// @notice An evidence leaf (spec section 4). `v` must be 1.
struct Leaf {
    uint8 v;
    uint8 kind;
    bytes16 id;
    bytes32 gateway;
    bytes32 subject;
    uint64 ts;
    bytes32 commitment;
}

/// @notice Where a leaf sits: batch `seq` of the leaf's gateway, position
/// `index` in a tree of `size` leaves, and the audit path of RFC 9162 2.1.3.1.
struct InclusionProof {
    uint64 seq;
    uint64 index;
    uint64 size;
    bytes32[] path;
}

/// @notice Where an evidence leaf's batch sits in its gateway's batch log (spec
/// sections 9 and 12), for a batch anchored through a checkpoint rather than
/// on its own: the header fields an InclusionProof does not carry (the header
/// is rebuilt from these, the leaf's gateway and the proof's seq and size) and
/// the RFC 9162 inclusion proof of the header's log leaf at index seq in the
/// log of `logSize` batches. `logSize` must be the size of an anchored
/// checkpoint: it selects the anchored root, so it is never trusted alone.
struct LogInclusion {
    bytes32 batchRoot;
    bytes32 prev;
    uint64 closedAt;
    uint64 logSize;
    bytes32[] path;
}
