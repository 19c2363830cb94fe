#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "azure/curl_transport.hpp"
#include "loopback_http_server.hpp"

namespace cerulean::azure::testing {

/// One Put Blob From URL or Put Block From URL call a FromUrlFront served.
struct FromUrlCall {
    bool block = false;           ///< Put Block From URL (else Put Blob From URL)
    std::string copy_source;      ///< `x-ms-copy-source` as sent
    std::string source_range;     ///< `x-ms-source-range`, or ""
    std::string source_if_match;  ///< `x-ms-source-if-match`, or ""
    int source_status = 0;        ///< what the source answered the front's GET
};

/// A Blob service front for tests of the From-URL copy calls, which Azure serves and Azurite
/// 3.35 does not (it answers 501). It forwards every request to an Azurite endpoint unchanged,
/// except Put Blob From URL and Put Block From URL, which it carries out as the service does:
/// it reads the source (`x-ms-copy-source`, `x-ms-source-range`, `x-ms-source-if-match`,
/// `x-ms-copy-source-authorization`) with a GET, then stores the bytes with Put Blob / Put
/// Block. A source condition that fails answers 412 `SourceConditionNotMet`, another source
/// failure 409 `CannotVerifyCopySource`, as Azure does.
///
/// Clients of the front must authorize with a SAS (the front changes the requests it forwards,
/// which would break a Shared Key signature).
class FromUrlFront {
 public:
    /// A front of `azurite_origin` ("http://127.0.0.1:PORT").
    explicit FromUrlFront(std::string azurite_origin);

    /// "http://127.0.0.1:PORT/devstoreaccount1": the endpoint clients of the front use.
    [[nodiscard]] std::string blob_endpoint() const;
    /// The From-URL calls served so far.
    [[nodiscard]] std::vector<FromUrlCall> calls() const;
    /// Called after each From-URL call is answered (from the server's thread).
    void OnCall(std::function<void(const FromUrlCall&)> hook);

 private:
    LoopbackResponse Serve(const LoopbackRequest& request);

    std::string origin_;
    CurlTransport transport_;  // the front's own client, to the source and to Azurite
    mutable std::mutex mutex_;
    std::vector<FromUrlCall> calls_;
    std::function<void(const FromUrlCall&)> hook_;
    LoopbackHttpServer server_;  // last: it calls Serve until destroyed
};

}  // namespace cerulean::azure::testing
