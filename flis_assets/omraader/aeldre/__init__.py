from flis_assets.omraader import Omraade

OMRAADE = Omraade(navn="aeldre", titel="Ældre", praefiks="aeldre", generator="flis_assets.omraader.aeldre.generate")
