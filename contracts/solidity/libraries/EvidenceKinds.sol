// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title Evidence kinds (spec section 3) as bits of a uint16 mask
/// @notice Kind `k` (1..12) is bit `k` of a mask, so a set of kinds is one word
/// and "covers every kind" is a single AND.
library EvidenceKinds {
    uint8 internal constant REGISTRATION = 1;
    uint8 internal constant PRESCRIPTION = 5;
    uint8 internal constant PAYMENT = 8;
    uint8 internal constant CONSENT = 9;
    uint8 internal constant CREDENTIAL = 10;

    /// @dev Bits 1..12: every kind the spec defines. Bit 0 and bits 13..15 are never valid.
    uint16 internal constant ALL = 0x1FFE;

    function isKnown(uint8 kind) internal pure returns (bool) {
        return kind >= 1 && kind <= 12;
    }

    function bit(uint8 kind) internal pure returns (uint16) {
        return uint16(1) << kind;
    }

    /// @dev A non-empty mask of defined kinds only.
    function isValidMask(uint16 mask) internal pure returns (bool) {
        return mask != 0 && mask & ~ALL == 0;
    }
}
