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

    /// @dev logLeafHash of spec section 9 under keccak256: keccak256(0x00 ||
    /// headerBytes) of the header v = 1, alg = 1 (keccak256) with these fields.
    function logLeafHash(bytes32 gateway, uint64 seq, uint64 size, bytes32 root, bytes32 prev, uint64 closedAt)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(bytes1(0x00), uint8(1), gateway, seq, uint8(1), size, root, prev, closedAt));
    }

    /// @dev RFC 9162 section 2.1.3.2, with HASH(0x01 || left || right) for
    /// interior nodes. Returns false on any malformed or wrong proof.
    /// In the RFC's names: `index` serves as fn, `leaf` as r (both are copies
    /// on the stack; reusing them keeps the loop's stack shallow and cheap).
    function verifyInclusion(bytes32 leaf, uint256 index, uint256 size, bytes32[] calldata path, bytes32 root)
        internal
        pure
        returns (bool ok)
    {
        assembly ("memory-safe") {
            if lt(index, size) {
                let sn := sub(size, 1)
                // The 65-byte node preimage 0x01 || left || right lives at
                // 0x00-0x40: the scratch space plus the top byte of the free
                // memory pointer, which is always zero and restored below.
                // The prefix byte is written once.
                mstore8(0x00, 0x01)
                let p := path.offset
                let end := add(p, shl(5, path.length))
                // Stops at the end of the path, or early when sn reaches 0 (the
                // path is longer than the tree is tall: checked after the loop).
                for {} and(lt(p, end), gt(sn, 0)) { p := add(p, 0x20) } {
                    switch and(index, 1)
                    case 0 {
                        switch eq(index, sn)
                        case 0 {
                            // a left child: r || sibling
                            mstore(0x01, leaf)
                            mstore(0x21, calldataload(p))
                        }
                        default {
                            // the last node of its level and even: no sibling at
                            // this level, so r rises unchanged until it is a
                            // right child; p is its left sibling there: p || r,
                            // and the levels climbed are skipped.
                            mstore(0x01, calldataload(p))
                            mstore(0x21, leaf)
                            for {} iszero(or(and(index, 1), iszero(index))) {} {
                                index := shr(1, index)
                                sn := shr(1, sn)
                            }
                        }
                    }
                    default {
                        // a right child: sibling || r
                        mstore(0x01, calldataload(p))
                        mstore(0x21, leaf)
                    }
                    leaf := keccak256(0x00, 0x41)
                    index := shr(1, index)
                    sn := shr(1, sn)
                }
                mstore8(0x40, 0)
                ok := and(eq(p, end), and(iszero(sn), eq(leaf, root)))
            }
        }
    }

    /// @dev RFC 9162 section 2.1.4.2: whether the log of `second` entries with
    /// `secondRoot` extends the log of `first` entries with `firstRoot`, with
    /// HASH(0x01 || left || right) for interior nodes. Sizes, roots and proof all
    /// come from the caller (a gateway rewriting its history picks them to fit):
    /// first = 0, first > second, a proof for equal sizes, a proof too short or
    /// too long, each yields false, never a revert. In the RFC's names: fn, sn,
    /// fr, sr; the proof is read in place and never copied to memory.
    function verifyConsistency(
        uint256 first,
        uint256 second,
        bytes32 firstRoot,
        bytes32 secondRoot,
        bytes32[] calldata proof
    ) internal pure returns (bool ok) {
        assembly ("memory-safe") {
            if and(gt(first, 0), iszero(gt(first, second))) {
                switch eq(first, second)
                case 1 {
                    // Equal sizes: nothing to prove but that the roots agree.
                    ok := and(iszero(proof.length), eq(firstRoot, secondRoot))
                }
                default {
                    let p := proof.offset
                    let end := add(p, shl(5, proof.length))
                    // The path starts with firstRoot when first is a power of two
                    // (the old tree is then a node of the new one), else with the
                    // proof's first element. `valid` is cleared when a path that
                    // must start in the proof has nothing to start with.
                    let valid := 1
                    let fr := firstRoot
                    if and(first, sub(first, 1)) {
                        switch lt(p, end)
                        case 0 { valid := 0 }
                        default {
                            fr := calldataload(p)
                            p := add(p, 0x20)
                        }
                    }
                    let sr := fr
                    let fn := sub(first, 1)
                    let sn := sub(second, 1)
                    for {} and(fn, 1) {} {
                        fn := shr(1, fn)
                        sn := shr(1, sn)
                    }
                    // The node preimage 0x01 || left || right at 0x00-0x40, as in
                    // verifyInclusion: the top byte of the free memory pointer is
                    // overwritten and restored to zero below.
                    mstore8(0x00, 0x01)
                    // Stops at the end of the proof, or early when sn reaches 0
                    // (a surplus element: the check after the loop fails it).
                    for {} and(lt(p, end), gt(sn, 0)) { p := add(p, 0x20) } {
                        let c := calldataload(p)
                        switch or(and(fn, 1), eq(fn, sn))
                        case 0 {
                            // c is a node only the new tree has, right of sr.
                            mstore(0x01, sr)
                            mstore(0x21, c)
                            sr := keccak256(0x00, 0x41)
                        }
                        default {
                            // c is a left sibling both trees share: c || fr, c || sr.
                            mstore(0x01, c)
                            mstore(0x21, fr)
                            fr := keccak256(0x00, 0x41)
                            mstore(0x21, sr)
                            sr := keccak256(0x00, 0x41)
                            if iszero(and(fn, 1)) {
                                for {} iszero(or(and(fn, 1), iszero(fn))) {} {
                                    fn := shr(1, fn)
                                    sn := shr(1, sn)
                                }
                            }
                        }
                        fn := shr(1, fn)
                        sn := shr(1, sn)
                    }
                    mstore8(0x40, 0)
                    ok := and(
                        and(valid, eq(p, end)), and(iszero(sn), and(eq(fr, firstRoot), eq(sr, secondRoot)))
                    )
                }
            }
        }
    }
}
