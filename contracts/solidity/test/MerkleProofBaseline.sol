// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title Gas baseline for the benchmark: OpenZeppelin's sorted-pair Merkle check
/// @notice Not part of the deployment. OpenZeppelin hashes sorted pairs without
/// domain separation, which is not the RFC 9162 format; the benchmark compares cost only.
contract MerkleProofBaseline {
    /// @notice MerkleProof.verifyCalldata, exposed.
    /// @param proof Sibling hashes.
    /// @param root Expected root.
    /// @param leaf Leaf hash.
    /// @return Whether the proof holds.
    function verifyCalldata(bytes32[] calldata proof, bytes32 root, bytes32 leaf) external pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }
}
