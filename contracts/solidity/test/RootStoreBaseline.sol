// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title Gas baseline for the benchmark: storing a root with no checks at all
/// @notice Not part of the deployment. One new storage slot and one event is the
/// least any anchor that keeps roots on chain can cost; the benchmark puts
/// EvidenceAnchor.anchor next to it.
contract RootStoreBaseline {
    mapping(bytes32 gateway => mapping(uint64 seq => bytes32 root)) private _roots;

    /// @notice A root was stored.
    /// @param gateway Any id.
    /// @param seq Any number.
    /// @param root The root.
    event RootStored(bytes32 indexed gateway, uint64 indexed seq, bytes32 root);

    /// @notice Stores a root, unchecked.
    /// @param gateway Any id.
    /// @param seq Any number.
    /// @param root The root.
    function store(bytes32 gateway, uint64 seq, bytes32 root) external {
        _roots[gateway][seq] = root;
        emit RootStored(gateway, seq, root);
    }
}
