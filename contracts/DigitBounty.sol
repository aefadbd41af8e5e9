// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./IInference.sol";

/// @title A bounty settled on an inference certificate
/// @notice The sponsor funds the contract with a reward for the first input
/// that a group of models certifies as `target` (say, an image that the
/// group's digit classifiers agree is a 7). Anyone may claim: they give the
/// input's bytes to the group's members off chain (their Open Inference
/// Protocol endpoints), then `claim` its hash here with the group's price,
/// which the contract pays to order the inference. Once the request is
/// decided, anyone calls `settle`: a certified `target` wins the reward; any
/// other answer pays nothing, and when the chain refunds the price (no
/// agreement, or the request expired) the contract passes it back to the
/// claimant once the refund has arrived (the batch closed).
contract DigitBounty {
    IInference public constant INFERENCE = IInference(address(uint160(0xDB000000)));

    struct Claim {
        address claimant;
        bool settled;
    }

    address public immutable sponsor;
    uint32 public immutable group;
    uint32 public immutable target;
    /// Whoever won; zero until someone has.
    address public winner;
    uint256 public reward;
    mapping(uint64 => Claim) public claims;

    event Claimed(uint64 indexed requestId, address indexed claimant, bytes32 inputHash);
    event Settled(
        uint64 indexed requestId,
        address indexed claimant,
        IInference.Outcome outcome,
        uint32[] labels,
        bool won
    );

    constructor(uint32 group_, uint32 target_) payable {
        require(msg.value > 0, "fund the reward");
        IInference.GroupTerms memory terms = INFERENCE.groupTerms(group_);
        require(target_ < terms.classes, "target is not a class of the group's task");
        sponsor = msg.sender;
        group = group_;
        target = target_;
        reward = msg.value;
    }

    /// Claim the bounty for the input with blake2-256 hash `inputHash`,
    /// sending at least the group's price (the rest is returned).
    function claim(bytes32 inputHash) external payable returns (uint64 requestId) {
        require(winner == address(0), "the bounty is already won");
        uint256 price = INFERENCE.groupTerms(group).price;
        require(msg.value >= price, "send the group's price");
        requestId = INFERENCE.request(group, inputHash);
        claims[requestId] = Claim(msg.sender, false);
        emit Claimed(requestId, msg.sender, inputHash);
        if (msg.value > price) {
            payable(msg.sender).transfer(msg.value - price);
        }
    }

    /// Settle the claim of request `requestId` once the chain decided it.
    function settle(uint64 requestId) external {
        Claim storage c = claims[requestId];
        require(c.claimant != address(0), "no such claim");
        require(!c.settled, "already settled");
        IInference.Certificate memory cert = INFERENCE.certificate(requestId);
        require(cert.outcome != IInference.Outcome.Pending, "not decided yet");
        bool certified = cert.outcome == IInference.Outcome.Certified;
        bool refunded = cert.outcome == IInference.Outcome.NoAgreement
            || cert.outcome == IInference.Outcome.Expired;
        require(!refunded || cert.settled, "the refund comes when the batch closes: settle then");
        c.settled = true;
        bool won = certified && winner == address(0) && cert.labels.length == 1
            && cert.labels[0] == target;
        emit Settled(requestId, c.claimant, cert.outcome, cert.labels, won);
        if (won) {
            winner = c.claimant;
            uint256 amount = reward;
            reward = 0;
            payable(c.claimant).transfer(amount);
        } else if (refunded) {
            // The chain refunded the price to this contract: pass it on.
            payable(c.claimant).transfer(cert.fee);
        }
    }
}
