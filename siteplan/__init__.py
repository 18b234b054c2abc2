"""siteplan: community service facility and community-worker planning as a mixed-integer model."""

__version__ = "0.1.0"
