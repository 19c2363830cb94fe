// Azure's List Containers and List Blobs responses (XML from the service, or from whatever
// answers at a connection's endpoint): ParseContainerList, ParseBlobList, and the HTTP dates they
// hold (core::ParseHttpDate).
//
// Invariants: only core::Error (kInternal, "malformed_response") escapes; a parsed page written
// back as the service would write it (names percent-encoded with Encoded="true") parses to the
// same page; a parsed date formats to text that parses to the same time.

#include <pugixml.hpp>
#include <sstream>

#include "azure/list_parser.hpp"
#include "azure/url.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace cerulean;

void CheckMalformed(const core::Error& e) {
    FUZZ_CHECK(e.code() == core::ErrorCode::kInternal, e.what());
    FUZZ_CHECK(e.reason() == "malformed_response", e.what());
}

void AddText(pugi::xml_node parent, const char* name, const std::string& value) {
    parent.append_child(name).append_child(pugi::node_pcdata).set_value(value.c_str());
}

void AddName(pugi::xml_node parent, const std::string& name) {
    pugi::xml_node node = parent.append_child("Name");
    node.append_attribute("Encoded").set_value("true");
    node.append_child(pugi::node_pcdata).set_value(azure::EncodeQueryValue(name).c_str());
}

// Only text pugixml can carry back unchanged: no NUL (it ends a C string), and not empty (an
// empty element has no text node at all, which reads back as empty anyway).
bool Carries(const std::string& text) {
    return text.find('\0') == std::string::npos;
}

void AddMetadata(pugi::xml_node parent, const azure::Metadata& metadata) {
    pugi::xml_node node = parent.append_child("Metadata");
    for (const auto& [name, value] : metadata) AddText(node, name.c_str(), value);
}

std::string Write(const pugi::xml_document& doc) {
    std::ostringstream out;
    doc.save(out, "", pugi::format_raw | pugi::format_no_declaration);
    return out.str();
}

bool Writable(const azure::Metadata& metadata) {
    for (const auto& [name, value] : metadata) {
        if (!Carries(name) || !Carries(value) || name.empty()) return false;
    }
    return true;
}

void CheckDate(const std::optional<core::UnixMillis>& t) {
    if (!t) return;
    FUZZ_CHECK(core::ParseHttpDate(core::FormatHttpDate(*t)) == *t, core::FormatHttpDate(*t));
}

void RoundTripContainers(const azure::ContainerListPage& page) {
    pugi::xml_document doc;
    pugi::xml_node root = doc.append_child("EnumerationResults");
    pugi::xml_node list = root.append_child("Containers");
    for (const auto& c : page.containers) {
        CheckDate(c.last_modified);
        if (!Carries(c.etag) || !Carries(c.public_access) || !Writable(c.metadata)) return;
        pugi::xml_node node = list.append_child("Container");
        AddName(node, c.name);
        pugi::xml_node props = node.append_child("Properties");
        if (c.last_modified)
            AddText(props, "Last-Modified", core::FormatHttpDate(*c.last_modified));
        AddText(props, "Etag", c.etag);
        AddText(props, "PublicAccess", c.public_access);
        AddMetadata(node, c.metadata);
    }
    if (!Carries(page.next_marker)) return;
    AddText(root, "NextMarker", page.next_marker);
    const std::string xml = Write(doc);
    const azure::ContainerListPage again = azure::ParseContainerList(xml);
    FUZZ_CHECK(again.next_marker == page.next_marker, xml);
    FUZZ_CHECK(again.containers.size() == page.containers.size(), xml);
    for (std::size_t i = 0; i < page.containers.size(); ++i) {
        const auto& a = page.containers[i];
        const auto& b = again.containers[i];
        FUZZ_CHECK(a.name == b.name && a.etag == b.etag && a.public_access == b.public_access &&
                       a.last_modified == b.last_modified && a.metadata == b.metadata,
                   xml);
    }
}

void RoundTripBlobs(const azure::BlobListPage& page) {
    pugi::xml_document doc;
    pugi::xml_node root = doc.append_child("EnumerationResults");
    pugi::xml_node list = root.append_child("Blobs");
    for (const auto& b : page.blobs) {
        CheckDate(b.last_modified);
        FUZZ_CHECK(b.size >= 0, b.name);
        for (const std::string* text :
             {&b.content_type, &b.content_md5, &b.content_encoding, &b.cache_control, &b.etag,
              &b.access_tier, &b.blob_type, &b.snapshot, &b.version_id}) {
            if (!Carries(*text)) return;
        }
        if (!Writable(b.metadata)) return;
        pugi::xml_node node = list.append_child("Blob");
        AddName(node, b.name);
        AddText(node, "Snapshot", b.snapshot);
        AddText(node, "VersionId", b.version_id);
        pugi::xml_node props = node.append_child("Properties");
        AddText(props, "Content-Length", std::to_string(b.size));
        AddText(props, "Content-Type", b.content_type);
        AddText(props, "Content-MD5", b.content_md5);
        AddText(props, "Content-Encoding", b.content_encoding);
        AddText(props, "Cache-Control", b.cache_control);
        if (b.last_modified)
            AddText(props, "Last-Modified", core::FormatHttpDate(*b.last_modified));
        AddText(props, "Etag", b.etag);
        AddText(props, "AccessTier", b.access_tier);
        AddText(props, "BlobType", b.blob_type);
        AddMetadata(node, b.metadata);
    }
    for (const auto& prefix : page.prefixes) AddName(list.append_child("BlobPrefix"), prefix);
    if (!Carries(page.next_marker)) return;
    AddText(root, "NextMarker", page.next_marker);
    const std::string xml = Write(doc);
    const azure::BlobListPage again = azure::ParseBlobList(xml);
    FUZZ_CHECK(again.next_marker == page.next_marker, xml);
    FUZZ_CHECK(again.prefixes == page.prefixes, xml);
    FUZZ_CHECK(again.blobs.size() == page.blobs.size(), xml);
    for (std::size_t i = 0; i < page.blobs.size(); ++i) {
        const auto& a = page.blobs[i];
        const auto& b = again.blobs[i];
        FUZZ_CHECK(a.name == b.name && a.size == b.size && a.content_type == b.content_type &&
                       a.content_md5 == b.content_md5 && a.content_encoding == b.content_encoding &&
                       a.cache_control == b.cache_control && a.last_modified == b.last_modified &&
                       a.etag == b.etag && a.access_tier == b.access_tier &&
                       a.blob_type == b.blob_type && a.snapshot == b.snapshot &&
                       a.version_id == b.version_id && a.metadata == b.metadata,
                   xml);
    }
}

// The page of `xml`, or none when it is refused as it must be.
template <class Parse>
auto ParseOrNone(Parse parse, std::string_view xml) -> std::optional<decltype(parse(xml))> {
    try {
        return parse(xml);
    } catch (const core::Error& e) {
        CheckMalformed(e);
        return std::nullopt;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view xml = fuzz::AsText(data, size);
    // The round trips run outside the try: a page written back must parse.
    if (const auto page = ParseOrNone(azure::ParseContainerList, xml)) RoundTripContainers(*page);
    if (const auto page = ParseOrNone(azure::ParseBlobList, xml)) RoundTripBlobs(*page);
    if (size == 29) CheckDate(core::ParseHttpDate(xml));
    return 0;
}
