// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title The Dropbear inference marketplace, as contracts see it
/// @notice A precompile of the chain's runtime answers this interface at the
/// fixed address 0x00000000000000000000000000000000dB000000, which Solidity
/// writes `IInference(address(uint160(0xDB000000)))`.
///
/// A certificate says that at least a group's quorum of members, each a
/// model of a different staked owner, computed the same answer for an input
/// (its blake2-256 hash). Certificates stay readable for the chain's
/// retention window after their batch closes (a day of blocks on the
/// project's networks); `certificate` reverts for an id it does not hold.
///
/// Amounts are in wei: 10^18 wei are one token of the chain (10^12 of its
/// native units).
interface IInference {
    /// How a request was decided.
    enum Outcome {
        /// Members are still voting.
        Pending,
        /// At least a quorum of members gave the same output.
        Certified,
        /// No output can reach the quorum any more.
        NoAgreement,
        /// The batch reached its deadline undecided.
        Expired,
        /// A quorum of members could not get the input's bytes.
        InputUnavailable
    }

    /// A request's inference certificate.
    struct Certificate {
        uint64 requestId;
        uint32 group;
        /// Who ordered it (a contract that called `request` is the client).
        address client;
        bytes32 inputHash;
        Outcome outcome;
        /// Certified by a top-1 group: the label; by a top-k group: the k
        /// labels in ascending order; empty otherwise.
        uint32[] labels;
        /// Certified by an exact-output group: blake2-256 of the output
        /// tensor's little-endian bytes; zero otherwise.
        bytes32 outputDigest;
        /// Members whose votes make the outcome (the certified output's
        /// voters, or those that reported the input unavailable).
        uint32 agreed;
        /// Members of the batch that served the request.
        uint32 members;
        /// The block that ordered it.
        uint32 orderedAt;
        /// The block that decided it; 0 while pending.
        uint32 decidedAt;
        /// Whether the fee is settled: fees move when the request's batch
        /// closes at its deadline, after the decision.
        bool settled;
        /// The price the client paid: to the agreeing members when certified,
        /// to the members that reported it when the input was unavailable,
        /// back to the client otherwise (no agreement, expired).
        uint256 fee;
    }

    /// A group's terms now.
    struct GroupTerms {
        /// Wei per request.
        uint256 price;
        /// Equal answers needed to certify.
        uint32 quorum;
        /// Model ids of the members.
        uint32[] members;
        /// Classes of the group's task (labels are below it).
        uint32 classes;
        /// Whether the group takes requests now.
        bool active;
    }

    /// The certificate of request `requestId`. Reverts with "unknown request"
    /// for an id never ordered or already pruned.
    function certificate(uint64 requestId) external view returns (Certificate memory);

    /// Group `group`'s terms. Reverts with "unknown group".
    function groupTerms(uint32 group) external view returns (GroupTerms memory);

    /// Order inference of the input with hash `inputHash` by `group`: the
    /// caller is the client and pays the group's price from its own balance
    /// (held until the batch closes; see `Certificate.fee`). The
    /// input's bytes reach the members off chain (their Open Inference
    /// Protocol endpoints). Reverts with a reason (unknown group, inactive
    /// group, the price not payable, a read-only call) and holds nothing then.
    function request(uint32 group, bytes32 inputHash) external returns (uint64 requestId);
}
