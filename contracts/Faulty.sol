// SPDX-License-Identifier: AGPL-3.0-or-later
// Fails on purpose in every way the diagnosis explains: a reason string, a custom error, a panic
// and running out of gas. Local test node only.
pragma solidity ^0.8.20;

contract Faulty {
    error InsufficientBalance(uint256 available, uint256 required);
    error Paused();

    uint256 public stored;
    uint256[] public items;

    function withdraw(uint256 amount) external {
        require(amount <= stored, "Withdrawal amount exceeds balance");
        stored -= amount;
    }

    function withdrawCustom(uint256 amount) external {
        if (amount > stored) revert InsufficientBalance(stored, amount);
        stored -= amount;
    }

    function pause() external pure {
        revert Paused();
    }

    function divide(uint256 a, uint256 b) external {
        stored = a / b;
    }

    function add(uint256 a) external {
        stored = stored + a;
    }

    function popEmpty() external {
        items.pop();
    }

    function fill(uint256 n) external {
        for (uint256 i = 0; i < n; i++) {
            items.push(i);
        }
    }
}
