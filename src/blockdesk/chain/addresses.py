"""Blockchain address validation: EVM (EIP-55), Bitcoin (base58check, bech32, bech32m) and TRON.

Everything here is pure and offline. ``parse_address`` is the one entry point; it never accepts
a WIF private key (those share base58check with addresses), and ``looks_like_wif`` lets the
secret guard spot such keys in customer text.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from blockdesk.chain.bech32 import Bech32Error, decode_segwit_any
from blockdesk.common.base58 import Base58Error, b58check_decode


class ChainFamily(enum.StrEnum):
    EVM = "evm"
    BITCOIN = "bitcoin"
    TRON = "tron"


class AddressKind(enum.StrEnum):
    ACCOUNT = "account"  # EVM / TRON externally owned account or contract: indistinguishable
    P2PKH = "p2pkh"
    P2SH = "p2sh"
    P2WPKH = "p2wpkh"
    P2WSH = "p2wsh"
    P2TR = "p2tr"
    WITNESS_UNKNOWN = "witness_unknown"  # future segwit versions, valid per BIP-350


class Network(enum.StrEnum):
    MAINNET = "mainnet"
    TESTNET = "testnet"  # Bitcoin testnet3/testnet4/signet share prefixes; see AddressInfo.networks
    REGTEST = "regtest"
    ANY = "any"  # EVM: one address is valid on every EVM chain, mainnet or testnet


@dataclass(frozen=True, slots=True)
class AddressInfo:
    """A validated address.

    ``network`` is the primary network; ``networks`` lists every network whose encoding is
    byte-identical (e.g. a Bitcoin ``m...`` address is valid on testnet, signet and regtest), so
    callers checking "is this for network X" should test membership in ``networks``.
    """

    family: ChainFamily
    network: Network
    kind: AddressKind
    normalized: str
    networks: tuple[str, ...]
    payload: bytes  # hash160, witness program, or 20-byte account id
    witness_version: int | None = None
    # EVM only: True when the input's letter case carried a valid EIP-55 checksum (an all-lower or
    # all-upper input is accepted but unchecksummed unless it happens to equal the checksum form).
    checksummed: bool | None = None

    @property
    def script_pubkey(self) -> bytes:
        """Bitcoin output script for this address (raises for non-Bitcoin families)."""
        if self.family is not ChainFamily.BITCOIN:
            raise ValueError("script_pubkey only exists for Bitcoin addresses")
        if self.kind is AddressKind.P2PKH:
            return b"\x76\xa9\x14" + self.payload + b"\x88\xac"
        if self.kind is AddressKind.P2SH:
            return b"\xa9\x14" + self.payload + b"\x87"
        assert self.witness_version is not None
        opcode = 0 if self.witness_version == 0 else 0x50 + self.witness_version
        return bytes([opcode, len(self.payload)]) + self.payload

    @property
    def evm_hex(self) -> str | None:
        """The 0x-prefixed, EIP-55 form of the 20-byte account (EVM and TRON share it)."""
        if self.family is ChainFamily.BITCOIN:
            return None
        return to_checksum_address("0x" + self.payload.hex())


class InvalidAddressError(ValueError):
    """Raised by :func:`parse_address` for anything that is not a valid address."""


# --- EVM -------------------------------------------------------------------------------------

_EVM_RE = re.compile(r"0x[0-9a-fA-F]{40}")


def to_checksum_address(address: str) -> str:
    """EIP-55 form of a ``0x`` + 40 hex address (any case in, mixed case out)."""
    if not _EVM_RE.fullmatch(address):
        raise InvalidAddressError("not a 0x-prefixed 20-byte hex address")
    # eth_utils (with eth_abi's helpers, ~16 MB) loads on the first checksum, not with
    # every module that parses text for addresses (docs/benchmarks.md, "Memory").
    from eth_utils import keccak

    lower = address[2:].lower()
    digest = keccak(text=lower).hex()
    return "0x" + "".join(
        ch.upper() if int(digest[i], 16) >= 8 else ch for i, ch in enumerate(lower)
    )


def is_checksum_address(address: str) -> bool:
    """True only when ``address`` is exactly its EIP-55 checksum form."""
    return bool(_EVM_RE.fullmatch(address)) and to_checksum_address(address) == address


def _parse_evm(text: str) -> AddressInfo:
    # EIP-55 only defines the lower-case "0x" prefix; "0X..." is rejected rather than guessed.
    if not _EVM_RE.fullmatch(text):
        raise InvalidAddressError("not an EVM address")
    checksum = to_checksum_address(text)
    body = text[2:]
    if checksum != text and body != body.lower() and body != body.upper():
        raise InvalidAddressError("EIP-55 checksum mismatch")
    return AddressInfo(
        family=ChainFamily.EVM,
        network=Network.ANY,
        kind=AddressKind.ACCOUNT,
        normalized=checksum,
        # One key, every EVM chain; the chain is decided by context, not by the address.
        networks=(Network.ANY.value,),
        payload=bytes.fromhex(body),
        checksummed=checksum == text,
    )


# --- Bitcoin / TRON base58check ---------------------------------------------------------------

_BTC_TEST_NETWORKS = ("testnet", "testnet4", "signet", "regtest")

# version byte -> (network, kind, networks); the values Bitcoin Core's chainparams use.
_BASE58_VERSIONS: dict[int, tuple[Network, AddressKind, tuple[str, ...]]] = {
    0x00: (Network.MAINNET, AddressKind.P2PKH, ("mainnet",)),
    0x05: (Network.MAINNET, AddressKind.P2SH, ("mainnet",)),
    0x6F: (Network.TESTNET, AddressKind.P2PKH, _BTC_TEST_NETWORKS),
    0xC4: (Network.TESTNET, AddressKind.P2SH, _BTC_TEST_NETWORKS),
}
_TRON_VERSION = 0x41
_WIF_VERSIONS = (0x80, 0xEF)


def _parse_base58(text: str) -> AddressInfo:
    try:
        payload = b58check_decode(text)
    except Base58Error as exc:
        raise InvalidAddressError(str(exc)) from exc
    # Address payloads are exactly version + 20 bytes; WIF keys are 33/34 bytes, so the length
    # check alone already keeps private keys out.
    if len(payload) != 21:
        raise InvalidAddressError("wrong payload length for an address")
    version, body = payload[0], payload[1:]
    if version == _TRON_VERSION:
        return AddressInfo(
            family=ChainFamily.TRON,
            network=Network.MAINNET,
            kind=AddressKind.ACCOUNT,
            normalized=text,
            # TRON's public testnets (Shasta, Nile) reuse the 0x41 prefix.
            networks=("mainnet", "shasta", "nile"),
            payload=body,
        )
    try:
        network, kind, networks = _BASE58_VERSIONS[version]
    except KeyError as exc:
        raise InvalidAddressError("unknown base58 version byte") from exc
    return AddressInfo(
        family=ChainFamily.BITCOIN,
        network=network,
        kind=kind,
        normalized=text,
        networks=networks,
        payload=body,
    )


# --- Bitcoin segwit ----------------------------------------------------------------------------

_SEGWIT_HRPS: dict[str, tuple[Network, tuple[str, ...]]] = {
    "bc": (Network.MAINNET, ("mainnet",)),
    "tb": (Network.TESTNET, ("testnet", "testnet4", "signet")),
    "bcrt": (Network.REGTEST, ("regtest",)),
}


def _segwit_kind(version: int, program: bytes) -> AddressKind:
    if version == 0:
        return AddressKind.P2WPKH if len(program) == 20 else AddressKind.P2WSH
    if version == 1 and len(program) == 32:
        return AddressKind.P2TR
    return AddressKind.WITNESS_UNKNOWN


def _parse_segwit(text: str) -> AddressInfo:
    try:
        hrp, version, program = decode_segwit_any(text)
    except Bech32Error as exc:
        raise InvalidAddressError(str(exc)) from exc
    try:
        network, networks = _SEGWIT_HRPS[hrp]
    except KeyError as exc:
        raise InvalidAddressError("unknown segwit hrp") from exc
    return AddressInfo(
        family=ChainFamily.BITCOIN,
        network=network,
        kind=_segwit_kind(version, program),
        normalized=text.lower(),
        networks=networks,
        payload=program,
        witness_version=version,
    )


# --- public API --------------------------------------------------------------------------------

_SEGWIT_PREFIX_RE = re.compile(r"(?i)(?:bc|tb|bcrt)1")


def parse_address(text: str) -> AddressInfo:
    """Validate ``text`` (no surrounding whitespace allowed) as an address of a known family.

    Raises :class:`InvalidAddressError`. A WIF private key is always rejected.
    """
    if text.startswith("0x"):
        return _parse_evm(text)
    if _SEGWIT_PREFIX_RE.match(text):
        return _parse_segwit(text)
    return _parse_base58(text)


def validate_address(text: str) -> AddressInfo | None:
    """Like :func:`parse_address` but returns ``None`` instead of raising."""
    try:
        return parse_address(text)
    except InvalidAddressError:
        return None


def is_valid_address(text: str, *, network: str | None = None) -> bool:
    """True if ``text`` is a valid address, optionally valid on ``network`` (e.g. "signet")."""
    info = validate_address(text)
    if info is None:
        return False
    return network is None or network in info.networks or info.network is Network.ANY


def looks_like_wif(text: str) -> bool:
    """True if ``text`` is a Bitcoin WIF private key (mainnet 0x80 or test 0xef).

    Shape only (version, 32-byte key, optional 0x01 compression flag, valid checksum): the secret
    guard must err towards flagging, so the scalar range is not checked.
    """
    try:
        payload = b58check_decode(text)
    except Base58Error:
        return False
    if payload[0] not in _WIF_VERSIONS:
        return False
    key = payload[1:]
    return len(key) == 32 or (len(key) == 33 and key[-1] == 0x01)
