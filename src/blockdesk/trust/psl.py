"""A small, offline public-suffix list.

The full Public Suffix List is ~10,000 rules and changes weekly; for telling a customer
"the site you are on belongs to evil.io, not to us" the common multi-part suffixes are
enough. Any single last label counts as a suffix, so only multi-label rules are listed:
country second levels, and hosting platforms where every subdomain has its own owner
(so example-exchange.github.io is not github.io's site, nor ours)."""

from __future__ import annotations

MULTI_PART_SUFFIXES: frozenset[str] = frozenset(
    {
        # United Kingdom, Asia-Pacific, Americas, Europe, Africa, Middle East
        *(f"{s}.uk" for s in ("co", "org", "me", "ltd", "plc", "net", "ac", "gov", "nhs")),
        *(f"{s}.cn" for s in ("com", "net", "org", "gov", "edu", "ac")),
        *(f"{s}.hk" for s in ("com", "net", "org", "edu", "gov", "idv")),
        *(f"{s}.tw" for s in ("com", "net", "org", "edu", "gov", "idv")),
        *(f"{s}.mo" for s in ("com", "net", "org")),
        *(f"{s}.jp" for s in ("co", "ne", "or", "ac", "go", "gr")),
        *(f"{s}.kr" for s in ("co", "or", "ne", "ac", "go")),
        *(f"{s}.sg" for s in ("com", "net", "org", "edu", "gov")),
        *(f"{s}.my" for s in ("com", "net", "org")),
        *(f"{s}.au" for s in ("com", "net", "org", "edu", "gov", "id")),
        *(f"{s}.nz" for s in ("co", "net", "org", "govt", "ac")),
        *(f"{s}.in" for s in ("co", "net", "org", "firm", "gen", "ind")),
        *(f"{s}.id" for s in ("co", "or", "web", "ac")),
        *(f"{s}.th" for s in ("co", "in", "or", "ac", "go")),
        *(f"{s}.vn" for s in ("com", "net", "org")),
        *(f"{s}.ph" for s in ("com", "net", "org")),
        *(f"{s}.pk" for s in ("com", "net", "org")),
        *(f"{s}.br" for s in ("com", "net", "org", "gov")),
        *(f"{s}.mx" for s in ("com", "net", "org", "gob")),
        *(f"{s}.ar" for s in ("com", "net", "org")),
        *(f"{s}.co" for s in ("com", "net", "org")),
        *(f"{s}.pe" for s in ("com", "net", "org")),
        *(f"{s}.tr" for s in ("com", "net", "org", "gen")),
        *(f"{s}.ua" for s in ("com", "net", "org")),
        *(f"{s}.ru" for s in ("com", "net", "org")),
        *(f"{s}.za" for s in ("co", "org", "net")),
        *(f"{s}.ng" for s in ("com", "org", "net")),
        *(f"{s}.ke" for s in ("co", "or", "ne")),
        *(f"{s}.eg" for s in ("com", "net", "org")),
        *(f"{s}.il" for s in ("co", "org", "net")),
        *(f"{s}.sa" for s in ("com", "net", "org")),
        *(f"{s}.ae" for s in ("co", "net", "org")),
        # Hosting and "anyone can get a subdomain" platforms
        "github.io",
        "gitlab.io",
        "netlify.app",
        "vercel.app",
        "pages.dev",
        "workers.dev",
        "r2.dev",
        "herokuapp.com",
        "web.app",
        "firebaseapp.com",
        "appspot.com",
        "blogspot.com",
        "azurewebsites.net",
        "cloudfront.net",
        "s3.amazonaws.com",
        "glitch.me",
        "onrender.com",
        "fly.dev",
        "ngrok.io",
        "ngrok-free.app",
        "wixsite.com",
        "weebly.com",
        "myshopify.com",
        "gitbook.io",
        "notion.site",
        "framer.website",
        "webflow.io",
        "carrd.co",
        "replit.app",
        "surge.sh",
        "ipfs.dweb.link",
    }
)
_MAX_PARTS = max(s.count(".") for s in MULTI_PART_SUFFIXES) + 1


def public_suffix(host: str) -> str:
    """The longest listed suffix of an ASCII, lower-case host (else its last label)."""
    labels = host.split(".")
    for size in range(min(_MAX_PARTS, len(labels)), 1, -1):
        candidate = ".".join(labels[-size:])
        if candidate in MULTI_PART_SUFFIXES:
            return candidate
    return labels[-1]


def registrable_domain(host: str) -> str:
    """One label more than the public suffix: who owns the site. A bare suffix is itself."""
    suffix = public_suffix(host)
    if host == suffix:
        return host
    rest = host[: -len(suffix) - 1]
    return f"{rest.rsplit('.', 1)[-1]}.{suffix}"
