#include "azure/list_parser.hpp"

#include <charconv>
#include <cstring>
#include <pugixml.hpp>

#include "azure/url.hpp"
#include "core/error.hpp"

namespace cerulean::azure {
namespace {

core::Error Malformed(std::string message) {
    return {core::ErrorCode::kInternal, "Azure sent a malformed listing: " + std::move(message),
            "malformed_response"};
}

// Whitespace-only text is kept when it is an element's only content: " " is a legal blob name.
constexpr unsigned kParseOptions = pugi::parse_default | pugi::parse_ws_pcdata_single;

bool Load(pugi::xml_document& doc, std::string_view xml) {
    return static_cast<bool>(
        doc.load_buffer(xml.data(), xml.size(), kParseOptions, pugi::encoding_auto));
}

pugi::xml_node Root(pugi::xml_document& doc, std::string_view xml) {
    if (!Load(doc, xml)) throw Malformed("the body is not well-formed XML");
    pugi::xml_node root = doc.document_element();
    if (std::strcmp(root.name(), "EnumerationResults") != 0) {
        throw Malformed("the root element is not EnumerationResults");
    }
    return root;
}

std::string Text(const pugi::xml_node& node) {
    return node.text().get();
}

// A name element's text, percent-decoded when the service marked it Encoded="true" (it does so
// for names holding characters that XML 1.0 cannot carry).
std::string Name(const pugi::xml_node& node) {
    std::string text = Text(node);
    if (node.attribute("Encoded").as_bool()) {
        auto decoded = PercentDecode(text);
        if (!decoded) throw Malformed("an Encoded name has a malformed percent-encoding");
        return std::move(*decoded);
    }
    return text;
}

std::optional<core::UnixMillis> Date(const pugi::xml_node& node) {
    if (!node) return std::nullopt;
    return core::ParseHttpDate(Text(node));
}

Metadata ReadMetadata(const pugi::xml_node& node) {
    Metadata metadata;
    for (const pugi::xml_node& entry : node.children()) {
        if (entry.type() != pugi::node_element) continue;
        metadata[entry.name()] = Text(entry);
    }
    return metadata;
}

std::int64_t Size(const pugi::xml_node& node) {
    if (!node) return 0;
    const std::string text = Text(node);
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < 0) {
        throw Malformed("a Content-Length is not a byte count");
    }
    return value;
}

BlobItem ReadBlob(const pugi::xml_node& node) {
    BlobItem blob;
    const pugi::xml_node name = node.child("Name");
    if (!name) throw Malformed("a Blob has no Name");
    blob.name = Name(name);
    blob.snapshot = Text(node.child("Snapshot"));
    blob.version_id = Text(node.child("VersionId"));
    const pugi::xml_node props = node.child("Properties");
    blob.size = Size(props.child("Content-Length"));
    blob.content_type = Text(props.child("Content-Type"));
    blob.content_md5 = Text(props.child("Content-MD5"));
    blob.content_encoding = Text(props.child("Content-Encoding"));
    blob.cache_control = Text(props.child("Cache-Control"));
    blob.last_modified = Date(props.child("Last-Modified"));
    blob.etag = Text(props.child("Etag"));
    blob.access_tier = Text(props.child("AccessTier"));
    blob.blob_type = Text(props.child("BlobType"));
    blob.metadata = ReadMetadata(node.child("Metadata"));
    return blob;
}

std::string FirstLine(std::string text) {
    const auto end = text.find_first_of("\r\n");
    if (end != std::string::npos) text.resize(end);
    return text;
}

}  // namespace

ContainerListPage ParseContainerList(std::string_view xml) {
    pugi::xml_document doc;
    const pugi::xml_node root = Root(doc, xml);
    ContainerListPage page;
    for (const pugi::xml_node& node : root.child("Containers").children("Container")) {
        ContainerItem item;
        const pugi::xml_node name = node.child("Name");
        if (!name) throw Malformed("a Container has no Name");
        item.name = Name(name);
        const pugi::xml_node props = node.child("Properties");
        item.last_modified = Date(props.child("Last-Modified"));
        item.etag = Text(props.child("Etag"));
        item.public_access = Text(props.child("PublicAccess"));
        item.metadata = ReadMetadata(node.child("Metadata"));
        page.containers.push_back(std::move(item));
    }
    page.next_marker = Text(root.child("NextMarker"));
    return page;
}

BlobListPage ParseBlobList(std::string_view xml) {
    pugi::xml_document doc;
    const pugi::xml_node root = Root(doc, xml);
    BlobListPage page;
    for (const pugi::xml_node& node : root.child("Blobs").children()) {
        if (std::strcmp(node.name(), "Blob") == 0) {
            page.blobs.push_back(ReadBlob(node));
        } else if (std::strcmp(node.name(), "BlobPrefix") == 0) {
            const pugi::xml_node name = node.child("Name");
            if (!name) throw Malformed("a BlobPrefix has no Name");
            page.prefixes.push_back(Name(name));
        }
    }
    page.next_marker = Text(root.child("NextMarker"));
    return page;
}

std::optional<ServiceErrorBody> ParseErrorBody(std::string_view xml) {
    pugi::xml_document doc;
    if (xml.empty() || !Load(doc, xml)) return std::nullopt;
    const pugi::xml_node root = doc.document_element();
    if (std::strcmp(root.name(), "Error") != 0) return std::nullopt;
    ServiceErrorBody body;
    body.code = Text(root.child("Code"));
    body.message = FirstLine(Text(root.child("Message")));
    body.authentication_detail = Text(root.child("AuthenticationErrorDetail"));
    if (body.code.empty() && body.message.empty()) return std::nullopt;
    return body;
}

}  // namespace cerulean::azure
