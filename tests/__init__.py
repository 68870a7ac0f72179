from . import test_feed_config
from . import test_feed_access
from . import test_feed_generation
from . import test_feed_route
from . import test_feed_tour
from . import test_feed_templates
from . import test_feed_odd_data
from . import test_feed_prices
