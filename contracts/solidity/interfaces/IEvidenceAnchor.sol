// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title What the other registries read from EvidenceAnchor
interface IEvidenceAnchor {
    /// @notice The root anchored as batch `seq` of `gateway`, or zero when there is none.
    /// @param gateway Gateway id (spec section 2).
    /// @param seq Batch sequence number.
    /// @return root The batch's Merkle root.
    function batchRoot(bytes32 gateway, uint64 seq) external view returns (bytes32 root);

    /// @notice The root of the checkpoint of `gateway`'s batch log anchored at exactly `size`
    /// batches (spec section 11), or zero when no checkpoint of that size is anchored.
    /// @param gateway Gateway id.
    /// @param size Log size: the checkpoint covers batches 0 .. size - 1.
    /// @return root The log's Merkle Tree Hash at that size.
    function checkpointRootOf(bytes32 gateway, uint64 size) external view returns (bytes32 root);

    /// @notice Whether `account` is the current EVM account of the active gateway `gateway`.
    /// @param gateway Gateway id.
    /// @param account The account to test, usually msg.sender of the caller.
    /// @return True only for a registered, active gateway whose account this is.
    function isGatewayAccount(bytes32 gateway, address account) external view returns (bool);

    /// @notice Whether `id` holds the witness role (a standalone witness, or a gateway or
    /// routing node the governor made one) and is active: its key may cosign checkpoints.
    /// @param id Participant id.
    /// @return True for an active participant holding the witness role.
    function isWitness(bytes32 id) external view returns (bool);
}
