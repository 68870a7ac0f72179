from . import marketplace_feed_sample_wizard
from . import marketplace_feed_sample_wizard_line
from . import marketplace_feed_sample_wizard_sheet
from . import marketplace_feed_preview
