// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title What ClaimVerifier reads from ConsentRegistry
interface IConsentRegistry {
    /// @notice The latest grant recorded for (gateway, subject, grantee).
    /// @param gateway The patient's gateway id.
    /// @param subject The patient's pseudonym at that gateway.
    /// @param grantee The grantee's account (an insurer).
    /// @return kinds Mask of granted evidence kinds (bit k = kind k); zero when there is no grant.
    /// @return expiresAt Expiry, ms since the Unix epoch.
    /// @return revoked Whether the grant was revoked.
    function consentOf(bytes32 gateway, bytes32 subject, address grantee)
        external
        view
        returns (uint16 kinds, uint64 expiresAt, bool revoked);
}
