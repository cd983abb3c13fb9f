"""Reference tables of the synthetic France: common French first and last names, places,
streets, fictitious insurer names, contract ranges and bank codes. Data only."""

from __future__ import annotations

# fmt: off
# --- Names ------------------------------------------------------------------------------

MALE_FIRST_NAMES: tuple[str, ...] = (
    "Jean", "Pierre", "Michel", "André", "Philippe", "René", "Louis", "Alain", "Jacques",
    "Bernard", "Marcel", "Daniel", "Roger", "Robert", "Paul", "Claude", "Christian", "Henri",
    "Georges", "Nicolas", "François", "Patrick", "Gérard", "Christophe", "Joseph", "Julien",
    "Maurice", "Laurent", "Frédéric", "Éric", "David", "Stéphane", "Pascal", "Sébastien",
    "Alexandre", "Thierry", "Olivier", "Thomas", "Antoine", "Raymond", "Guy", "Dominique",
    "Vincent", "Lucien", "Marc", "Serge", "Yves", "Didier", "Bruno", "Franck", "Jean-Pierre",
    "Jean-Claude", "Jean-Luc", "Jean-Marc", "Jean-François", "Jean-Paul", "Fabrice", "Hervé",
    "Cédric", "Guillaume", "Maxime", "Romain", "Jérôme", "Mathieu", "Benoît", "Arnaud", "Lucas",
    "Hugo", "Léo", "Gabriel", "Raphaël", "Arthur", "Louis-Marie", "Jules", "Adam", "Nathan",
    "Ethan", "Tom", "Théo", "Noah", "Mathis", "Enzo", "Clément", "Baptiste", "Kévin", "Quentin",
    "Florian", "Valentin", "Alexis", "Adrien", "Victor", "Samuel", "Martin", "Paul-Henri", "Yann",
    "Loïc", "Gaël", "Erwan", "Mohamed", "Karim", "Mehdi", "Rachid", "Youssef", "Sofiane",
    "Antonio", "Manuel", "José", "Luca", "Timéo", "Sacha", "Aurélien", "Damien", "Ludovic",
    "Gilles", "Régis", "Emmanuel", "Xavier", "Hippolyte", "Marius", "Augustin", "Noé", "Eliott",
    "Axel", "Simon", "Rémi", "Benjamin", "Anthony",
)

FEMALE_FIRST_NAMES: tuple[str, ...] = (
    "Marie", "Jeanne", "Françoise", "Monique", "Catherine", "Nathalie", "Isabelle", "Jacqueline",
    "Anne", "Sylvie", "Martine", "Madeleine", "Nicole", "Suzanne", "Hélène", "Christine",
    "Marguerite", "Denise", "Louise", "Christiane", "Yvonne", "Valérie", "Sophie", "Sandrine",
    "Stéphanie", "Céline", "Véronique", "Chantal", "Camille", "Julie", "Nadine", "Aurélie",
    "Annie", "Sarah", "Émilie", "Brigitte", "Laurence", "Josiane", "Odette", "Colette", "Simone",
    "Paulette", "Danielle", "Patricia", "Claire", "Laura", "Élise", "Caroline", "Marie-Claude",
    "Marie-Thérèse", "Marie-Christine", "Anne-Marie", "Marie-France", "Virginie", "Audrey",
    "Mélanie", "Émilie", "Karine", "Delphine", "Corinne", "Agnès", "Florence", "Pauline", "Manon",
    "Léa", "Chloé", "Emma", "Jade", "Louna", "Alice", "Lina", "Rose", "Anna", "Mila", "Ambre",
    "Julia", "Inès", "Zoé", "Lucie", "Clara", "Mathilde", "Juliette", "Charlotte", "Margaux",
    "Océane", "Marine", "Justine", "Anaïs", "Elodie", "Fatima", "Nadia", "Samira", "Leïla",
    "Yasmine", "Aïcha", "Maria", "Ana", "Rosa", "Gisèle", "Geneviève", "Thérèse", "Bernadette",
    "Huguette", "Lucienne", "Ginette", "Solange", "Régine", "Evelyne", "Muriel", "Sabine",
    "Béatrice", "Myriam", "Noémie", "Capucine", "Apolline", "Victoire", "Héloïse", "Iris",
    "Margot", "Lou", "Romane", "Eva", "Agathe", "Clémence", "Lola", "Maëlys", "Nina", "Elsa",
    "Salomé", "Axelle",
)

LAST_NAMES: tuple[str, ...] = (
    "MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU",
    "LAURENT", "SIMON", "MICHEL", "LEFEBVRE", "LEROY", "ROUX", "DAVID", "BERTRAND", "MOREL",
    "FOURNIER", "GIRARD", "BONNET", "DUPONT", "LAMBERT", "FONTAINE", "ROUSSEAU", "VINCENT",
    "MULLER", "LEFEVRE", "FAURE", "ANDRE", "MERCIER", "BLANC", "GUERIN", "BOYER", "GARNIER",
    "CHEVALIER", "FRANCOIS", "LEGRAND", "GAUTHIER", "GARCIA", "PERRIN", "ROBIN", "CLEMENT",
    "MORIN", "NICOLAS", "HENRY", "ROUSSEL", "MATHIEU", "GAUTIER", "MASSON", "MARCHAND", "DUVAL",
    "DENIS", "DUMONT", "MARIE", "LEMAIRE", "NOEL", "MEYER", "DUFOUR", "MEUNIER", "BRUN",
    "BLANCHARD", "GIRAUD", "JOLY", "RIVIERE", "LUCAS", "BRUNET", "GAILLARD", "BARBIER", "ARNAUD",
    "MARTINEZ", "GERARD", "ROCHE", "RENARD", "SCHMITT", "ROY", "LEROUX", "COLIN", "VIDAL", "CARON",
    "PICARD", "ROGER", "FABRE", "AUBERT", "LEMOINE", "RENAUD", "DUMAS", "LACROIX", "OLIVIER",
    "PHILIPPE", "BOURGEOIS", "PIERRE", "BENOIT", "REY", "LECLERC", "PAYET", "ROLLAND", "LECLERCQ",
    "GUILLAUME", "LECOMTE", "LOPEZ", "JEAN", "DUPUY", "GUILLOT", "HUBERT", "BERGER", "CARPENTIER",
    "SANCHEZ", "DUPUIS", "MOULIN", "LOUIS", "DESCHAMPS", "HUET", "VASSEUR", "PEREZ", "BOUCHER",
    "FLEURY", "ROYER", "KLEIN", "JACQUET", "ADAM", "PARIS", "POIRIER", "MARTY", "AUBRY", "GUYOT",
    "CARRE", "CHARLES", "RENAULT", "CHARPENTIER", "MENARD", "MAILLARD", "BARON", "BERTIN",
    "BAILLY", "HERVE", "SCHNEIDER", "FERNANDEZ", "LE GALL", "COLLET", "LEGER", "BOUVIER", "JULIEN",
    "PREVOST", "MILLET", "PERROT", "DANIEL", "LE ROUX", "COUSIN", "GERMAIN", "BRETON", "BESSON",
    "LANGLOIS", "REMY", "LE GOFF", "PELLETIER", "LEVEQUE", "PERRIER", "LEBLANC", "BARRE", "LEBRUN",
    "MARCHAL", "WEBER", "MALLET", "HAMON", "BOULANGER", "JACOB", "MONNIER", "MICHAUD", "RODRIGUEZ",
    "GUICHARD", "GILLET", "ETIENNE", "GRONDIN", "POULAIN", "TESSIER", "CHEVALLIER", "COLLIN",
    "CHAUVIN", "DA SILVA", "BOUCHET", "GAY", "LEMAITRE", "BENARD", "MARECHAL", "HUMBERT",
    "REYNAUD", "ANTOINE", "HOARAU", "PERRET", "BARTHELEMY", "CORDIER", "PICHON", "LEJEUNE",
    "GILBERT", "LAMY", "DELAUNAY", "PASQUIER", "CARLIER", "LAPORTE", "BENSAID", "HADDAD", "BENALI",
    "OUALI", "NGUYEN", "TRAN", "DIALLO", "TRAORE", "KONE", "SILVA", "FERREIRA", "PEREIRA",
    "OLIVEIRA", "COSTA", "RODRIGUES", "ROSSI", "ESPOSITO", "COLOMBANI", "SANTONI", "LUCIANI",
    "ALBERTINI", "MARIANI", "CASANOVA", "LE BIHAN", "KERVELLA", "QUEMENER", "ETCHEVERRY",
    "HARISPE", "ZIMMERMANN", "WAGNER", "BECKER", "HOFFMANN", "LOMBARD", "DELMAS", "BONNEFOY",
    "VALETTE", "CHABERT", "TEXIER", "BOUTIN", "LANDRY", "MARCHETTI", "GRAND", "COULON", "BAUDRY",
    "VERDIER", "DUBREUIL", "RAYNAUD", "SALMON",
)

# --- Places -----------------------------------------------------------------------------

# Metropolitan departments (NIR and FINESS codes), the most populous listed twice.
METRO_DEPARTMENTS: tuple[str, ...] = (
    *(f"{n:02d}" for n in range(1, 96) if n != 20),
    "75", "13", "59", "69", "92", "93", "33", "94", "31", "44", "62", "78", "77", "91", "06",
)
CORSICA = ("2A", "2B")
OVERSEAS: tuple[str, ...] = ("971", "971", "972", "972", "973", "974", "974", "974", "975", "976")
# INSEE country codes after the 99 of people born abroad.
COUNTRIES: tuple[str, ...] = (
    "350", "350", "351", "352", "352", "139", "134", "127", "109", "341", "326", "316", "132",
    "131", "212", "243", "411", "335", "301",
)
# NIR month codes used when the month of birth is unknown (incomplete civil record).
UNKNOWN_MONTHS: tuple[str, ...] = (*(f"{n}" for n in range(20, 31)), "99", "99", "99")

# (department, postcode, town) for the structures' addresses.
TOWNS: tuple[tuple[str, str, str], ...] = (
    ("75", "75011", "Paris"), ("75", "75015", "Paris"), ("75", "75018", "Paris"),
    ("13", "13001", "Marseille"), ("13", "13100", "Aix-en-Provence"), ("69", "69003", "Lyon"),
    ("69", "69100", "Villeurbanne"), ("31", "31000", "Toulouse"), ("06", "06000", "Nice"),
    ("44", "44000", "Nantes"), ("67", "67000", "Strasbourg"), ("34", "34000", "Montpellier"),
    ("33", "33000", "Bordeaux"), ("59", "59000", "Lille"), ("59", "59100", "Roubaix"),
    ("35", "35000", "Rennes"), ("51", "51100", "Reims"), ("42", "42000", "Saint-Étienne"),
    ("83", "83000", "Toulon"), ("76", "76600", "Le Havre"), ("38", "38000", "Grenoble"),
    ("21", "21000", "Dijon"), ("49", "49000", "Angers"), ("30", "30000", "Nîmes"),
    ("63", "63000", "Clermont-Ferrand"), ("72", "72000", "Le Mans"), ("29", "29200", "Brest"),
    ("37", "37000", "Tours"), ("80", "80000", "Amiens"), ("87", "87000", "Limoges"),
    ("74", "74000", "Annecy"), ("66", "66000", "Perpignan"), ("57", "57000", "Metz"),
    ("25", "25000", "Besançon"), ("45", "45000", "Orléans"), ("68", "68100", "Mulhouse"),
    ("14", "14000", "Caen"), ("54", "54000", "Nancy"), ("92", "92100", "Boulogne-Billancourt"),
    ("93", "93200", "Saint-Denis"), ("94", "94000", "Créteil"), ("95", "95000", "Cergy"),
    ("78", "78000", "Versailles"), ("91", "91000", "Évry-Courcouronnes"), ("64", "64000", "Pau"),
    ("64", "64100", "Bayonne"), ("17", "17000", "La Rochelle"), ("86", "86000", "Poitiers"),
    ("24", "24000", "Périgueux"), ("12", "12000", "Rodez"), ("46", "46000", "Cahors"),
    ("03", "03100", "Montluçon"), ("15", "15000", "Aurillac"), ("48", "48000", "Mende"),
    ("23", "23000", "Guéret"), ("05", "05000", "Gap"), ("09", "09000", "Foix"),
    ("56", "56100", "Lorient"), ("22", "22000", "Saint-Brieuc"),
    ("85", "85000", "La Roche-sur-Yon"), ("2A", "20000", "Ajaccio"), ("2B", "20200", "Bastia"),
    ("971", "97110", "Pointe-à-Pitre"), ("972", "97200", "Fort-de-France"),
    ("973", "97300", "Cayenne"), ("974", "97400", "Saint-Denis"), ("974", "97410", "Saint-Pierre"),
    ("976", "97600", "Mamoudzou"),
)

STREETS: tuple[str, ...] = (
    "rue de la République", "avenue Jean Jaurès", "place du Marché", "rue Victor Hugo",
    "boulevard Gambetta", "rue des Écoles", "rue du Général de Gaulle", "avenue de la Gare",
    "rue Pasteur", "place de l'Église", "rue Nationale", "grande rue", "rue du Moulin",
    "avenue des Tilleuls", "rue des Lilas", "chemin des Vignes", "rue Jules Ferry",
    "boulevard de la Liberté", "rue de la Paix", "rue Voltaire", "allée des Acacias",
    "rue du Château", "cours Mirabeau", "quai des Brumes", "rue des Peupliers",
    "avenue du Maréchal Foch", "rue Saint-Michel", "place de la Mairie", "rue des Jardins",
)

PLACE_WORDS: tuple[str, ...] = (
    "du Marché", "de la Gare", "Centrale", "des Tilleuls", "de la Mairie", "du Centre",
    "de l'Église", "des Lilas", "du Port", "des Halles", "du Parc", "de la Place",
    "des Trois Ponts", "du Château", "des Arcades", "du Moulin", "de la Fontaine", "des Vignes",
    "du Lac", "de la Poste", "des Écoles", "du Vieux Bourg",
)

# --- Insurers ---------------------------------------------------------------------------

# Invented names: none is, to our knowledge, the name of a real insurer.
INSURER_NAMES: tuple[str, ...] = (
    "Mutuelle des Glycines", "Mutuelle du Val d'Argent", "Prévoyance des Coteaux",
    "Union Mutualiste des Tilleuls", "Mutuelle Santé des Hautes-Bruyères",
    "Assurances Santé Horizon Clair", "Mutuelle des Trois Rivières", "Caisse Mutuelle du Plateau",
    "Institution de Prévoyance des Sablons", "Mutuelle Lumière d'Automne",
    "Mutuelle des Marronniers", "Mutuelle de la Presqu'île", "Prévoyance Santé Belle-Rive",
    "Mutuelle des Artisans du Bocage", "Mutuelle du Phare Blanc", "Union Santé des Grands Chênes",
    "Mutuelle des Lavandières", "Mutuelle des Hirondelles", "Prévoyance du Moulin Neuf",
    "Mutuelle de la Combe aux Loups", "Assurance Santé Azur Tranquille",
    "Mutuelle des Enseignants du Val Fleuri", "Mutuelle des Quatre Saisons d'Orbelle",
)
INSURER_COUNT = 20
AGREEMENT_TYPES: tuple[str, ...] = ("TP", "TPN", "SP", "TPR", "TPC")

# (code prefix, label) of contract ranges.
RANGES: tuple[tuple[str, str], ...] = (
    ("ESS", "Essentiel"), ("SOL", "Solidaire"), ("EQU", "Équilibre"), ("CONF", "Confort"),
    ("SER", "Sérénité"), ("PRIM", "Primo"), ("VIT", "Vitalité"), ("HAR", "Horizon"),
)
NON_RESPONSIBLE_RANGES: tuple[tuple[str, str], ...] = (
    ("LIB", "Liberté"), ("PREM", "Premium"), ("EXC", "Excellence"), ("SUR", "Sur-mesure"),
)
LEVELS = (100, 125, 150, 200, 250, 300)

# Fictitious banks: codes outside the ones the Banque de France assigns to real banks.
BANKS: tuple[tuple[str, str], ...] = (
    ("99011", "BQFVFRPP"), ("99023", "CRXMFRPP"), ("99037", "CEXQFR2L"),
    ("99042", "BPXZFRPPLYO"), ("99058", "LBXPFRPP"), ("99064", "SGXVFR2B"),
    ("99079", "CMXAFRPPSTR"), ("99085", "BNXWFRPP"),
)
# fmt: on
