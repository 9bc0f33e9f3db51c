// cms-mock speaks the shared HTTP vocabulary of common/http; these names keep its code short.
#pragma once

#include "common/http/http_types.hpp"

namespace cms_mock {
using common::http::body_source;
using common::http::fault_plan;
using common::http::file_body;
using common::http::header_field;
using common::http::request_view;
using common::http::response_plan;
using common::http::send_outcome;
using common::http::string_body;
using common::http::text_response;
}  // namespace cms_mock
