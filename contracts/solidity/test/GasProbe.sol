// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title Measures the execution gas of one call, for the benchmark
/// @notice Not part of the deployment. A transaction's gas includes 21000 and
/// calldata (and, since Prague, a calldata floor) that would drown the cost of
/// a few hashes; this isolates what the callee spends.
contract GasProbe {
    /// @notice Calls `target` with `data` twice and reports the gas the second
    /// call used: the first warms the target's account, so both sides of a
    /// comparison pay the same small warm-CALL overhead.
    /// @param target The contract to call.
    /// @param data ABI-encoded call.
    /// @return gasUsed Gas from before to after the second call.
    /// @return ok Whether the call succeeded.
    /// @return result What it returned.
    function measure(address target, bytes calldata data)
        external
        returns (uint256 gasUsed, bool ok, bytes memory result)
    {
        (ok,) = target.call(data);
        uint256 before = gasleft();
        (ok, result) = target.call(data);
        gasUsed = before - gasleft();
    }
}
