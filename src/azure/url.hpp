#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cerulean::azure {

/// Percent-encodes a blob name for a URL path: every byte except the unreserved characters
/// (A-Z a-z 0-9 - . _ ~) and '/' becomes %XX, so spaces, '%', '#', '?', '+' and UTF-8 bytes
/// reach the service as the name's own characters ("a%2Fb #1?.txt" -> "a%252Fb%20%231%3F.txt").
std::string EncodeBlobPath(std::string_view blob_name);

/// Percent-encodes a query-parameter name or value: every byte except the unreserved characters
/// becomes %XX ('/' too, and a space is %20, never '+').
std::string EncodeQueryValue(std::string_view value);

/// Decodes %XX escapes (a '+' stays a '+'); nullopt when an escape is malformed.
std::optional<std::string> PercentDecode(std::string_view text);

/// A URL split into the parts that signing and request building need.
struct UrlParts {
    std::string scheme;     ///< lower-case scheme, e.g. "https"
    std::string authority;  ///< host with optional port, e.g. "127.0.0.1:10000"
    std::string path;       ///< the path as sent (still encoded), "/" when the URL has none
    std::string query;      ///< the query as sent (still encoded), without '?'; may be empty
};

/// Splits an absolute URL ("scheme://authority/path?query"); a fragment is dropped.
/// Throws core::Error (kInvalidArgument) when it has no scheme or no host.
UrlParts SplitUrl(std::string_view url);

/// One query parameter, percent-decoded.
struct QueryParameter {
    std::string name;   ///< decoded name, case kept
    std::string value;  ///< decoded value; empty when the parameter has no '='
};

/// Parses a query string (without '?'): pairs split on '&', each at its first '=', both sides
/// percent-decoded, empty segments skipped. Throws core::Error (kInvalidArgument) on a
/// malformed escape, without echoing the query (it may hold a SAS signature).
std::vector<QueryParameter> ParseQuery(std::string_view query);

/// Checks and normalizes a Blob service endpoint: http or https, a host, no query or fragment,
/// no trailing '/'. Path-style endpoints keep their path
/// ("http://127.0.0.1:10000/devstoreaccount1/" -> "http://127.0.0.1:10000/devstoreaccount1").
/// Throws core::Error (kInvalidArgument) naming the problem.
std::string NormalizeEndpoint(std::string_view endpoint);

/// The URL of a container under a (normalized) endpoint, e.g. "https://a.blob.core.windows.net/c".
/// Throws core::Error (kInvalidArgument) for an empty name, one holding '/', "." or "..".
std::string ContainerUrl(std::string_view endpoint, std::string_view container);

/// True when a blob name has a "." or ".." path segment ("a/../b", "./x", ".."): URL parsers
/// remove such segments (RFC 3986 section 5.2.4), so they must not reach a URL as segments.
bool HasDotSegment(std::string_view blob_name);

/// The URL of a blob under a (normalized) endpoint, the name encoded by EncodeBlobPath; a name
/// with a dot segment has its '/' encoded as %2F as well, so that no URL parser (the service's
/// when it reads a copy source, a proxy's) collapses "a/../b" into "b" (the service decodes %2F
/// to '/'). Throws core::Error (kInvalidArgument) for an empty container or blob name, and for
/// the blob names "." and ".." (which no URL can address).
std::string BlobUrl(std::string_view endpoint, std::string_view container,
                    std::string_view blob_name);

/// `url` with an already-encoded query appended after '?' (or '&' when it has a query already).
std::string AppendQuery(std::string_view url, std::string_view query);

/// The account an endpoint addresses: the first path segment of a path-style endpoint
/// ("http://127.0.0.1:10000/devstoreaccount1"), else the first label of the host name
/// ("https://acct.blob.core.windows.net"); empty when neither tells (a bare IP address) or what
/// it tells is not an account name (letters, digits and '-').
std::string AccountNameFromEndpoint(std::string_view endpoint);

}  // namespace cerulean::azure
