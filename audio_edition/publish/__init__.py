"""Publishing: a show folder that is a complete static site (feed.xml, index.html, episodes/)."""

from audio_edition.publish.publisher import (
    Failure,
    Published,
    Publisher,
    create_show,
    publish,
    publish_each,
    regenerate,
    regenerate_site,
)

__all__ = ["Failure", "Published", "Publisher", "create_show", "publish", "publish_each", "regenerate",
           "regenerate_site"]
