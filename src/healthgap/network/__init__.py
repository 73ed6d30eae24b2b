"""The network: each deployment publishes a signed, versioned open-data feed of what its
authorities choose to share, and subscribes to other deployments' feeds.

* :mod:`~healthgap.network.signing`: the deployment's Ed25519 key.
* :mod:`~healthgap.network.schema`: the feed format and its limits.
* :mod:`~healthgap.network.publish`: sharing choices and the feed (JSON and Atom).
* :mod:`~healthgap.network.subscribe`: subscriptions, verified refreshes.
* :mod:`~healthgap.network.library`: shared case studies in the library.
"""
