// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Leaf} from "./EvidenceTypes.sol";

/// @title Keccak-256 hashing of evidence leaves, batch headers and RFC 9162 trees
/// @notice Byte-exact with spec sections 4 to 6 under alg = keccak256.
/// Every input here is attacker-controlled calldata: lengths are checked and
/// a bad proof yields false, never a revert.
library EvidenceMerkle {
    /// @dev Spec section 4: v(1) kind(1) id(16) gateway(32) subject(32) ts(8) commitment(32).
    uint256 internal constant LEAF_LENGTH = 122;

    /// @dev keccak256(0x00 || leafBytes). The caller checks the length.
    function leafHashFromBytes(bytes calldata leafBytes) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            // Scratch memory past the free pointer; nothing is allocated.
            let ptr := mload(0x40)
            mstore8(ptr, 0x00)
            calldatacopy(add(ptr, 1), leafBytes.offset, LEAF_LENGTH)
            h := keccak256(ptr, add(LEAF_LENGTH, 1))
        }
    }

    /// @dev keccak256(0x00 || leafBytes) of a leaf given field by field.
    function leafHash(Leaf calldata leaf) internal pure returns (bytes32) {
        return keccak256(
            abi.encodePacked(
                bytes1(0x00), leaf.v, leaf.kind, leaf.id, leaf.gateway, leaf.subject, leaf.ts, leaf.commitment
            )
        );
    }

    /// @dev keccak256(headerBytes), spec section 6.
    function headerHash(
        uint8 v,
        bytes32 gateway,
        uint64 seq,
        uint8 alg,
        uint64 size,
        bytes32 root,
        bytes32 prev,
        uint64 closedAt
    ) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(v, gateway, seq, alg, size, root, prev, closedAt));
    }

    /// @dev RFC 9162 section 2.1.3.2, with HASH(0x01 || left || right) for
    /// interior nodes. Returns false on any malformed or wrong proof.
    function verifyInclusion(bytes32 leaf, uint256 index, uint256 size, bytes32[] calldata path, bytes32 root)
        internal
        pure
        returns (bool ok)
    {
        if (index >= size) return false;
        assembly ("memory-safe") {
            let fn := index
            let sn := sub(size, 1)
            let r := leaf
            // 65-byte node preimage 0x01 || left || right in scratch memory past
            // the free pointer; the prefix byte is written once.
            let ptr := mload(0x40)
            mstore8(ptr, 0x01)
            let left := add(ptr, 1)
            let right := add(ptr, 33)
            let p := path.offset
            let end := add(p, shl(5, path.length))
            // Stops at the end of the path, or early when sn reaches 0 (the
            // path is longer than the tree is tall: checked after the loop).
            for {} and(lt(p, end), gt(sn, 0)) { p := add(p, 0x20) } {
                switch or(and(fn, 1), eq(fn, sn))
                case 0 {
                    mstore(left, r)
                    mstore(right, calldataload(p))
                }
                default {
                    mstore(left, calldataload(p))
                    mstore(right, r)
                    // On the right edge of an incomplete tree the node has no
                    // sibling for some levels: climb them without hashing.
                    if iszero(and(fn, 1)) {
                        for {} iszero(or(and(fn, 1), iszero(fn))) {} {
                            fn := shr(1, fn)
                            sn := shr(1, sn)
                        }
                    }
                }
                r := keccak256(ptr, 65)
                fn := shr(1, fn)
                sn := shr(1, sn)
            }
            ok := and(eq(p, end), and(iszero(sn), eq(r, root)))
        }
    }
}
