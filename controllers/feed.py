# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from werkzeug.http import parse_accept_header

from odoo import http
from odoo.http import request

# An image link names the image's checksum: what it serves never changes.
IMAGE_MAX_AGE = 365 * 24 * 3600
RETRY_AFTER = 60


class MarketplaceFeedController(http.Controller):
    """Parse, look up, check the token (or an image link's signature), serve.
    Every refusal is the same 404. Nothing here generates a file: the link
    serves the published one."""

    def _not_found(self):
        return request.make_response(
            "Not Found", [("Content-Type", "text/plain; charset=utf-8")], status=404
        )

    def _log(self, feed, response):
        httprequest = request.httprequest
        size = 0
        if response.status_code == 200 and httprequest.method == "GET":
            size = response.content_length or 0
        request.env["marketplace.feed.fetch"].sudo()._log(
            feed,
            response.status_code,
            size,
            ip=httprequest.remote_addr,
            user_agent=httprequest.user_agent.string,
        )

    # auth="none": the fetch reads as superuser and needs no user (the public
    # one costs a query). The link is no server-wide route: without a
    # database it is not found, as with auth="public".
    @http.route(
        "/marketplace-feed/<string:token>/<string:filename>",
        type="http",
        auth="none",
        methods=["GET", "HEAD"],
        csrf=False,
        save_session=False,
    )
    def marketplace_feed_file(self, token, filename):
        # One query for the feed, its company's switches and its file.
        feed, published = request.env["marketplace.feed"].sudo()._get_link(token)
        if not feed:
            return self._not_found()
        if not feed._is_published() or filename != feed.full_file_name:
            # A known link: the refusal is logged, and looks like any other.
            response = self._not_found()
        else:
            response = self._file_response(feed, feed._get_file_to_serve(published))
        self._log(feed, response)
        return response

    def _file_response(self, feed, file):
        if not file:
            return request.make_response(
                "The file is being prepared.",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Retry-After", str(RETRY_AFTER)),
                ],
                status=503,
            )
        # Odoo's HTTPRequest has no accept_encodings; "gzip;q=0" refuses gzip.
        accept_encoding = request.httprequest.headers.get("Accept-Encoding")
        accept_gzip = parse_accept_header(accept_encoding)["gzip"] > 0
        stream, gzipped = file._get_stream(accept_gzip)
        response = stream.get_response()
        # werkzeug appends a second "; charset=utf-8" to text/* mimetypes.
        response.headers["Content-Type"] = stream.mimetype
        response.headers["Cache-Control"] = "no-cache"
        if file.gzip_attachment_id:
            response.vary.add("Accept-Encoding")
        if gzipped:
            response.headers["Content-Encoding"] = "gzip"
        return response

    @http.route(
        "/marketplace-feed/image/<string:feed_id>/<string:product_id>/"
        "<string:checksum>/<string:signature>",
        type="http",
        auth="public",
        methods=["GET", "HEAD"],
        csrf=False,
        save_session=False,
    )
    def marketplace_feed_image(self, feed_id, product_id, checksum, signature):
        """One image of a product of the published file, by the link the
        file gives it (its own signature; the file's token never opens it)."""
        feed = (
            request.env["marketplace.feed"]
            .sudo()
            ._get_by_image_link(feed_id, product_id, checksum, signature)
        )
        image = (
            feed
            and feed._is_published()
            and feed._get_feed_product_image(int(product_id), checksum)
        )
        if not image:
            return self._not_found()
        record, field_name = image
        stream = request.env["ir.binary"]._get_image_stream_from(record, field_name)
        stream.public = True
        stream.max_age = IMAGE_MAX_AGE
        response = stream.get_response()
        response.headers["Cache-Control"] = (
            f"public, max-age={IMAGE_MAX_AGE}, immutable"
        )
        return response

    @http.route(
        "/marketplace-feed/download/<int:feed_id>",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def marketplace_feed_download(self, feed_id):
        """The published file, for feed managers; nothing is generated."""
        if not request.env.user.has_group("stock.group_stock_manager"):
            return request.not_found()
        feed = request.env["marketplace.feed"].search([("id", "=", feed_id)])
        file = feed and feed._get_published_file()
        if not file:
            return request.not_found()
        stream, _gzipped = file._get_stream()
        return stream.get_response()
