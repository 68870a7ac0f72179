from . import res_company
from . import res_config_settings
from . import marketplace_feed
from . import marketplace_feed_column
from . import marketplace_feed_fetch
